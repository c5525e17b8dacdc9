#include "agent/share.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "base/strings.h"
#include "rootfs/resolve.h"
#include "sys/file.h"
#include "sys/mount.h"

namespace strata::agent {

Result<> mount_share(const std::vector<vm::agent::GuestMount>& mounts) {
    if (!vm::agent::uses_share(mounts)) return {};
    return mount_share_device();
}

Result<> mount_share_device() {
    static bool mounted = false;  // the agent is single-threaded
    if (mounted) return {};
    STRATA_TRY(sys::mkdir_all(vm::agent::kGuestShareDir, 0700));
    // cache=none: every read goes to the host, so a file the engine rewrites there (Podman's
    // /etc/hosts and /etc/resolv.conf) shows its new content at once, as through a bind mount.
    // msize: 9p's largest message, so a read or write of up to ~500 KB is one round trip.
    // access=client (9p2000.L's default, said for clarity): the guest kernel checks permissions
    // and the host side (QEMU, passthrough) creates files with the caller's uid and gid.
    if (::mount(vm::agent::kShareTag, vm::agent::kGuestShareDir, "9p", 0,
                "trans=virtio,version=9p2000.L,msize=512000,cache=none,access=client") < 0)
        return os_error(errno, std::string("mount the file share (9p, tag ") + quote(vm::agent::kShareTag) + ") at " +
                                   vm::agent::kGuestShareDir);
    mounted = true;
    return {};
}

Result<> bind_from_share(const vm::agent::GuestMount& m, const char* root_dir) {
    auto bound = [&]() -> Result<> {
        struct stat st = STRATA_TRY(sys::stat(m.source));
        UniqueFd root = STRATA_TRY(sys::open(root_dir, O_PATH | O_DIRECTORY | O_CLOEXEC));
        // Inside the root, as the container substrate resolves a destination: a symlink in the
        // image (/etc/resolv.conf -> ../run/...) leads to a path in the image, not the agent's.
        UniqueFd target = STRATA_TRY(rootfs::create_in_root(root.get(), m.destination,
                                                           S_ISDIR(st.st_mode) ? rootfs::Kind::directory : rootfs::Kind::file));
        UniqueFd tree = STRATA_TRY(sys::clone_tree(AT_FDCWD, m.source, false, m.source));
        unsigned attrs = 0;
        if (m.flags & MS_RDONLY) attrs |= MOUNT_ATTR_RDONLY;
        if (m.flags & MS_NOSUID) attrs |= MOUNT_ATTR_NOSUID;
        if (m.flags & MS_NODEV) attrs |= MOUNT_ATTR_NODEV;
        if (m.flags & MS_NOEXEC) attrs |= MOUNT_ATTR_NOEXEC;
        if (m.flags & MS_NOATIME) attrs |= MOUNT_ATTR_NOATIME;
        if (m.flags & MS_NODIRATIME) attrs |= MOUNT_ATTR_NODIRATIME;
        // Read-only before it is attached: no moment where the workload could write through it.
        if (attrs) STRATA_TRY(sys::set_mount_attr(tree.get(), attrs, 0, 0, false, m.source));
        STRATA_TRY(sys::attach_mount(tree.get(), target.get(), m.destination));
        return {};
    }();
    return with_context(std::move(bound), "bind mount at " + m.destination);
}

}  // namespace strata::agent
