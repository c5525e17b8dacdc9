#include "vm/assets/initramfs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "base/strings.h"
#include "crypto/sha256.h"
#include "sys/file.h"
#include "vm/assets/cache.h"
#include "vm/assets/cpio.h"

namespace strata::vm {
namespace {

// A host file's identity for the key: a rebuilt agent or an upgraded kernel package changes it
// without reading megabytes of content on every create.
Result<std::string> identity(const std::string& path) {
    struct stat st = STRATA_TRY(sys::stat(path));
    return path + " " + std::to_string(st.st_dev) + " " + std::to_string(st.st_ino) + " " +
           std::to_string(st.st_size) + " " + std::to_string(st.st_mtim.tv_sec) + "." +
           std::to_string(st.st_mtim.tv_nsec) + "\n";
}

}  // namespace

Result<std::string> build_initramfs(const InitramfsInputs& in) {
    std::string key_text = "initramfs-v1\n" + STRATA_TRY(identity(in.agent));
    for (const auto& m : in.modules) key_text += STRATA_TRY(identity(m));
    if (!in.rootfs.empty()) key_text += "rootfs " + in.rootfs_digest->key + "\n";
    std::string key = STRATA_TRY(crypto::sha256_hex(key_text)).substr(0, 32);
    auto path = cached("initramfs", key + ".cpio", [&](const std::string& temp) -> Result<> {
        CpioWriter w;
        for (const char* d : {"dev", "proc", "sys", "run", "strata", "strata/modules"}) w.add_dir(d);
        // The kernel opens /dev/console for PID 1's stdio before devtmpfs is mounted.
        w.add_node("dev/console", S_IFCHR | 0600, makedev(5, 1));
        STRATA_TRY(w.add_host_file("init", in.agent, 0755));
        std::string list;
        for (const auto& m : in.modules) {
            std::string name = "strata/modules/" + sys::basename(m);
            STRATA_TRY(w.add_host_file(name, m, 0644));
            list += "/" + name + "\n";
        }
        if (!list.empty()) w.add_file("strata/modules.list", list);
        if (!in.rootfs.empty()) STRATA_TRY(w.add_tree(in.rootfs, std::string(kInitramfsRootfs).substr(1)));
        UniqueFd fd = STRATA_TRY(sys::open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
        return sys::write_all(fd.get(), w.finish(), temp);
    }, CacheBudget{64, 1ull << 30});
    return path;
}

}  // namespace strata::vm
