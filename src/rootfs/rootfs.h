#pragma once
// Builds the container's filesystem view inside its new mount namespace: propagation, the rootfs
// bind, every OCI mount (by fd), /dev, masked and read-only paths, then pivot_root. Runs in the
// container's init process between clone and exec.

#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "rootfs/mount_plan.h"
#include "spec/spec.h"

namespace strata::rootfs {

struct Options {
    std::string rootfs;  // absolute host path of root.path
    bool userns = false;          // devices are bind-mounted, not mknod'ed
    bool new_cgroupns = false;    // cgroup mounts show the container's cgroup as root
    bool no_pivot = false;
    bool readonly = false;
    std::string propagation;      // linux.rootfsPropagation
    std::vector<std::string> cgroup_paths;  // per v1 hierarchy mount point -> container path
};

class Rootfs {
public:
    // Sets "/" propagation and bind-mounts the rootfs onto itself (pivot_root needs a mount).
    static Result<Rootfs> prepare(const Options& opts);

    // Runs every planned mount in order, creating destinations inside the rootfs.
    Result<> mount_all(const std::vector<MountOp>& mounts);
    // Default devices (null, zero, full, random, urandom, tty), linux.devices, /dev symlinks.
    Result<> create_devices(const std::vector<spec::Device>& extra);
    // Masks with a verified /dev/null (files) or an empty read-only tmpfs (directories).
    Result<> mask_paths(const std::vector<std::string>& paths);
    Result<> readonly_paths(const std::vector<std::string>& paths);
    // The container's own procfs mount (for sysctl writes), or -1 if the spec mounts none.
    int proc_fd() const { return m_proc.get(); }
    int root_fd() const { return m_root.get(); }
    // Read-only root (if asked) and pivot_root (or chroot with --no-pivot). After this "/" is
    // the container's root and the host tree is detached.
    Result<> enter();

private:
    Result<> mount_filesystem(const MountOp& op);
    Result<> mount_bind(const MountOp& op);
    Result<> mount_cgroup(const MountOp& op);
    Result<> finish_mount(int mnt, int target, const MountOp& op);

    Options m_opts;
    UniqueFd m_root;   // the rootfs mount's root
    UniqueFd m_proc;   // the container's /proc mount
    bool m_has_devpts = false;
};

// Copies the contents of directory `from` into directory `to` (tmpcopyup): files, directories,
// symlinks, with modes and owners. Never follows symlinks.
Result<> copy_tree(int from, int to, const std::string& where);

}  // namespace strata::rootfs
