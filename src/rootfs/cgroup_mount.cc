// The "cgroup" mount type: cgroup2 on a v2 host; on v1/hybrid a tmpfs with one mount per
// hierarchy, as runc lays it out. With a cgroup namespace each hierarchy is mounted fresh and
// shows the container's cgroup as its root; without one, the container's own cgroup directory is
// bind-mounted so the rest of the host's tree stays invisible.

#include <fcntl.h>
#include <sys/mount.h>

#include "base/strings.h"
#include "cgroup/layout.h"
#include "rootfs/resolve.h"
#include "rootfs/rootfs.h"
#include "sys/file.h"
#include "sys/mount.h"

namespace strata::rootfs {

Result<> Rootfs::mount_cgroup(const MountOp& op) {
    // Read now, not from a cache: this process was just moved into the container's cgroup.
    cgroup::Layout fresh = STRATA_TRY(cgroup::read_layout());
    const cgroup::Layout* layout = &fresh;
    UniqueFd target = STRATA_TRY(create_in_root(m_root.get(), op.destination, Kind::directory));
    unsigned attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
    unsigned ro = op.attr_set & MOUNT_ATTR_RDONLY;

    auto mount_hierarchy = [&](const cgroup::Hierarchy& h, int dest) -> Result<> {
        UniqueFd mnt;
        if (m_opts.new_cgroupns) {
            std::vector<std::string> opts;
            if (!h.unified()) opts = h.controllers;
            mnt = STRATA_TRY(sys::fs_mount(h.unified() ? "cgroup2" : "cgroup", "cgroup", opts, attrs | ro));
        } else {
            // Without a cgroup namespace: bind only our subtree of the host hierarchy.
            std::string own = sys::path_join(h.mount_point, h.own_path);
            UniqueFd src = STRATA_TRY(sys::open(own, O_PATH | O_DIRECTORY));
            mnt = STRATA_TRY(sys::clone_tree(src.get(), "", false, "cgroup " + quote(own)));
            STRATA_TRY(sys::set_mount_attr(mnt.get(), attrs | ro, 0, 0, false, "cgroup " + quote(own)));
        }
        return sys::attach_mount(mnt.get(), dest, "cgroup on " + quote(op.destination));
    };

    if (layout->mode == cgroup::Mode::v2) return mount_hierarchy(*layout->unified_hierarchy(), target.get());

    // v1 / hybrid: a tmpfs to hold one directory per hierarchy, made read-only at the end.
    UniqueFd tmpfs = STRATA_TRY(sys::fs_mount("tmpfs", "tmpfs", {"mode=755"}, attrs));
    STRATA_TRY(sys::attach_mount(tmpfs.get(), target.get(), "tmpfs on " + quote(op.destination)));
    for (const auto& h : layout->hierarchies) {
        std::string name = h.unified() ? "unified" : sys::basename(h.mount_point);
        if (name.starts_with("name=")) name = name.substr(5);
        UniqueFd dir = STRATA_TRY(create_in_root(tmpfs.get(), name, Kind::directory));
        STRATA_TRY(mount_hierarchy(h, dir.get()));
        // "cpu,cpuacct" mounted as one: also reachable as cpu and cpuacct, as on the host.
        if (h.controllers.size() > 1 && name.find(',') != std::string::npos)
            for (const auto& c : h.controllers)
                if (::symlinkat(name.c_str(), tmpfs.get(), c.c_str()) < 0 && errno != EEXIST)
                    return os_error(errno, "symlink cgroup " + quote(c));
    }
    if (ro) STRATA_TRY(sys::set_mount_attr(tmpfs.get(), MOUNT_ATTR_RDONLY, 0, 0, false, "cgroup tmpfs read-only"));
    return {};
}

}  // namespace strata::rootfs
