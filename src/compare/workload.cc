#include "compare/workload.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "spec/default_spec.h"
#include "sys/file.h"

namespace strata::compare {
namespace {

Result<> copy_file(const std::string& from, const std::string& to, mode_t mode) {
    std::string data = STRATA_TRY(sys::read_file(from));
    UniqueFd out = STRATA_TRY(sys::open(to, O_WRONLY | O_CREAT | O_TRUNC, mode));
    return sys::write_all(out.get(), data, quote(to));
}

}  // namespace

Result<std::string> find_probe() {
    std::string self = STRATA_TRY(sys::readlink("/proc/self/exe"));
    std::string dir = sys::dirname(self);
    for (const auto& p : {dir + "/strata-probe", dir + "/../libexec/strata/strata-probe", dir + "/../lib/strata/strata-probe"})
        if (sys::exists(p)) return sys::clean_path(p);
    return error("strata-probe not found next to " + quote(self) + " (build it with the strata build)");
}

Result<Workload> make_workload(const std::string& dir) {
    Workload w;
    w.dir = dir;
    w.rootfs = dir + "/rootfs";
    w.probe = STRATA_TRY(find_probe());
    w.host_dir = dir + "/host-dir";
    for (const char* d : {"", "/bin", "/etc", "/tmp", "/proc", "/sys", "/dev", "/data", "/root"})
        STRATA_TRY(sys::mkdir_all(w.rootfs + d, 0755));
    ::chmod((w.rootfs + "/tmp").c_str(), 01777);
    STRATA_TRY(sys::mkdir_all(w.host_dir, 0755));
    if (!sys::exists("/bin/busybox")) return error("/bin/busybox not found (apt-get install busybox-static)");
    STRATA_TRY(copy_file("/bin/busybox", w.rootfs + "/bin/busybox", 0755));
    STRATA_TRY(copy_file(w.probe, w.rootfs + "/probe", 0755));
    for (const char* applet : {"sh", "true", "sleep", "cat", "ls", "id"})
        if (::symlink("busybox", (w.rootfs + "/bin/" + applet).c_str()) < 0 && errno != EEXIST)
            return os_error(errno, "symlink " + std::string(applet));
    UniqueFd etc = STRATA_TRY(sys::open(w.rootfs + "/etc", O_PATH | O_DIRECTORY));
    STRATA_TRY(sys::write_file_atomic(etc.get(), "passwd", "root:x:0:0:root:/root:/bin/sh\n"));
    return w;
}

Result<std::string> Workload::bundle(const std::vector<std::string>& args, bool writable_root) {
    std::string name = "b";
    for (const auto& a : args) name += "-" + a;
    for (auto& c : name)
        if (c == '/') c = '_';
    if (writable_root) name += "-rw";
    std::string path = dir + "/" + name;
    if (sys::exists(path + "/config.json")) return path;
    STRATA_TRY(sys::mkdir_all(path, 0755));
    auto c = spec::default_spec({});
    // 1.0.2: crun 1.8 refuses later versions, and every runtime here reads this one.
    c["ociVersion"] = "1.0.2";
    c["root"] = {{"path", rootfs}, {"readonly", !writable_root}};
    c["process"]["terminal"] = false;
    std::vector<std::string> argv = {"/probe"};
    argv.insert(argv.end(), args.begin(), args.end());
    c["process"]["args"] = argv;
    c["hostname"] = "compare";
    c["mounts"].push_back({{"destination", "/data"}, {"type", "bind"}, {"source", host_dir}, {"options", {"rbind", "rw"}}});
    UniqueFd d = STRATA_TRY(sys::open(path, O_PATH | O_DIRECTORY));
    STRATA_TRY(sys::write_file_atomic(d.get(), "config.json", c.dump(1)));
    return path;
}

}  // namespace strata::compare
