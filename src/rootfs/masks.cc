// maskedPaths and readonlyPaths.

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "base/strings.h"
#include "rootfs/resolve.h"
#include "rootfs/rootfs.h"
#include "sys/file.h"
#include "sys/mount.h"

namespace strata::rootfs {
namespace {

// The host's /dev/null, checked to be the real character device 1:3 on an O_PATH fd. Masking
// with a path inside the rootfs once bound whatever a symlink there pointed at (CVE-2025-31133).
Result<UniqueFd> verified_dev_null() {
    UniqueFd fd = STRATA_TRY(sys::open("/dev/null", O_PATH));
    struct stat st = STRATA_TRY(sys::fstat(fd.get(), "/dev/null"));
    if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != 1 || minor(st.st_rdev) != 3)
        return os_error(EPERM, "/dev/null on the host is not the null device");
    return fd;
}

}  // namespace

Result<> Rootfs::mask_paths(const std::vector<std::string>& paths) {
    UniqueFd null;
    for (const auto& path : paths) {
        auto target = open_in_root(m_root.get(), path);
        if (!target) {
            if (target.error().code == ENOENT) continue;  // nothing there to hide
            return std::unexpected(target.error());
        }
        struct stat st = STRATA_TRY(sys::fstat(target->get(), quote(path)));
        UniqueFd mnt;
        if (S_ISDIR(st.st_mode)) {
            mnt = STRATA_TRY(sys::fs_mount("tmpfs", "tmpfs", {"size=0", "mode=0555"}, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC));
        } else {
            if (!null) null = STRATA_TRY(verified_dev_null());
            mnt = STRATA_TRY(sys::clone_tree(null.get(), "", false, "/dev/null over " + quote(path)));
        }
        STRATA_TRY(sys::attach_mount(mnt.get(), target->get(), "mask " + quote(path)));
    }
    return {};
}

Result<> Rootfs::readonly_paths(const std::vector<std::string>& paths) {
    for (const auto& path : paths) {
        auto target = open_in_root(m_root.get(), path);
        if (!target) {
            if (target.error().code == ENOENT) continue;
            return std::unexpected(target.error());
        }
        UniqueFd tree = STRATA_TRY(sys::clone_tree(target->get(), "", true, "read-only " + quote(path)));
        STRATA_TRY(sys::set_mount_attr(tree.get(), MOUNT_ATTR_RDONLY, 0, 0, true, "read-only " + quote(path)));
        STRATA_TRY(sys::attach_mount(tree.get(), target->get(), "read-only " + quote(path)));
    }
    return {};
}

}  // namespace strata::rootfs
