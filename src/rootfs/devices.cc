// /dev inside the container: default device nodes, linux.devices, and the standard symlinks.

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/strings.h"
#include "rootfs/resolve.h"
#include "rootfs/rootfs.h"
#include "sys/file.h"
#include "sys/mount.h"

namespace strata::rootfs {
namespace {

const std::vector<spec::Device>& default_devices() {
    static const std::vector<spec::Device> kDevices = {
        {"c", "/dev/null", 1, 3, 0666, 0, 0},    {"c", "/dev/zero", 1, 5, 0666, 0, 0},
        {"c", "/dev/full", 1, 7, 0666, 0, 0},    {"c", "/dev/random", 1, 8, 0666, 0, 0},
        {"c", "/dev/urandom", 1, 9, 0666, 0, 0}, {"c", "/dev/tty", 5, 0, 0666, 0, 0},
    };
    return kDevices;
}

mode_t type_bits(const std::string& t) {
    if (t == "b") return S_IFBLK;
    if (t == "p") return S_IFIFO;
    return S_IFCHR;  // "c" and "u"
}

// A user namespace may not mknod devices: bind the host's node onto an empty file instead.
Result<> bind_device(int root, const spec::Device& d) {
    UniqueFd host = STRATA_TRY(sys::open(d.path, O_PATH));
    UniqueFd target = STRATA_TRY(create_in_root(root, d.path, Kind::file));
    UniqueFd tree = STRATA_TRY(sys::clone_tree(host.get(), "", false, "device " + quote(d.path)));
    return sys::attach_mount(tree.get(), target.get(), "device " + quote(d.path));
}

Result<> make_device(int root, const spec::Device& d) {
    Parent p = STRATA_TRY(parent_in_root(root, d.path));
    // An image may ship its own /dev entries; a device we create replaces them.
    if (::unlinkat(p.dir.get(), p.name.c_str(), 0) < 0 && errno != ENOENT && errno != EISDIR)
        return os_error(errno, "remove " + quote(d.path) + " in rootfs");
    mode_t mode = type_bits(d.type) | (d.file_mode.value_or(0666) & 07777);
    dev_t dev = makedev(static_cast<unsigned>(d.major), static_cast<unsigned>(d.minor));
    if (::mknodat(p.dir.get(), p.name.c_str(), mode, d.type == "p" ? 0 : dev) < 0)
        return os_error(errno, "mknod " + quote(d.path));
    // mknod honours the umask; the spec's mode must win. The name is a single component in a
    // directory resolved inside the rootfs, and no container process exists yet to race us.
    if (::fchmodat(p.dir.get(), p.name.c_str(), mode & 07777, 0) < 0)
        return os_error(errno, "chmod " + quote(d.path));
    if (::fchownat(p.dir.get(), p.name.c_str(), d.uid.value_or(0), d.gid.value_or(0), AT_SYMLINK_NOFOLLOW) < 0)
        return os_error(errno, "chown " + quote(d.path));
    return {};
}

}  // namespace

Result<> Rootfs::create_devices(const std::vector<spec::Device>& extra) {
    std::vector<spec::Device> all = default_devices();
    for (const auto& d : extra) {
        bool replaced = false;
        for (auto& existing : all)
            if (sys::clean_path(existing.path) == sys::clean_path(d.path)) existing = d, replaced = true;
        if (!replaced) all.push_back(d);
    }
    for (const auto& d : all) {
        if (m_opts.userns) STRATA_TRY(bind_device(m_root.get(), d));
        else STRATA_TRY(make_device(m_root.get(), d));
    }
    struct Link {
        const char* target;
        const char* path;
    };
    std::vector<Link> links = {{"/proc/self/fd", "/dev/fd"},
                               {"/proc/self/fd/0", "/dev/stdin"},
                               {"/proc/self/fd/1", "/dev/stdout"},
                               {"/proc/self/fd/2", "/dev/stderr"}};
    if (m_has_devpts) links.push_back({"pts/ptmx", "/dev/ptmx"});
    for (const auto& l : links) {
        Parent p = STRATA_TRY(parent_in_root(m_root.get(), l.path));
        if (m_has_devpts && std::string_view(l.path) == "/dev/ptmx")
            (void)::unlinkat(p.dir.get(), p.name.c_str(), 0);
        if (::symlinkat(l.target, p.dir.get(), p.name.c_str()) < 0 && errno != EEXIST)
            return os_error(errno, "symlink " + quote(l.path) + " -> " + quote(l.target));
    }
    return {};
}

}  // namespace strata::rootfs
