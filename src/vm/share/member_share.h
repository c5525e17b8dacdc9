#pragma once
// A pod VM's further container in the pod's file share (docs/design/kubernetes-cri.md, "Micro-VM
// pods"). The pod VM's share is a tmpfs in its monitor's mount namespace (share.h); virtio-mmio
// has no hotplug, so a container that joins the running VM cannot get a device of its own.
// Instead its rootfs and its bind mounts are added to the share while the VM runs, under
// c/<container id>/ (agent::guest_member_share_dir in the guest): entry "rootfs" and one entry
// per bind mount, named by its index in config.json's mounts, as for the VM's own workload.
//
// Two halves, in two processes and two mount namespaces: the container's init, on the host's
// side, makes a detached copy of each source (open_tree), read-only and nodev where the share's
// rules ask; the monitor, which owns the share, attaches them (move_mount) and detaches them
// again when the container ends. The fds travel over the exec socket (exec_socket.h).

#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "spec/spec.h"

namespace strata::vm {

struct MemberEntry {
    std::string name;  // "rootfs" or the mount's index
    UniqueFd tree;     // a detached mount (open_tree(OPEN_TREE_CLONE))
};

// The init's half: the rootfs and every bind mount the guest takes from the share (plan_share),
// each with its mount point made in the rootfs first (as runc makes it, confined to the rootfs).
// A missing source fails with the mount's JSON path, as for a VM's own workload.
Result<std::vector<MemberEntry>> member_entries(const spec::Spec& spec, const std::string& bundle, const std::string& rootfs);

// The monitor's half: the entries attached under share_dir/c/<name>, detached (lazily: the
// guest may still hold a file) and removed when this object goes.
class MemberShare {
public:
    static Result<MemberShare> stage(const std::string& share_dir, const std::string& name, std::vector<MemberEntry> entries);
    MemberShare() = default;
    MemberShare(MemberShare&& o) noexcept : m_dir(std::exchange(o.m_dir, {})), m_entries(std::move(o.m_entries)) {}
    MemberShare& operator=(MemberShare&& o) noexcept;
    ~MemberShare() { release(); }

private:
    void release();
    std::string m_dir;  // share_dir/c/<name>
    std::vector<std::string> m_entries;
};

}  // namespace strata::vm
