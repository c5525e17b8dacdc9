#pragma once
// A pod VM's further container (docs/design/kubernetes-cri.md, "Micro-VM pods"): the pod's
// sandbox is the VM's workload; each other container of the pod runs beside it in the same
// guest, as a session the host opened like an exec's (member_start). It is made as a container
// on a host would be: its own mount namespace on its own root (its rootfs, which the host put in
// the share), its own cgroup with its limits, its own pid, IPC and UTS namespaces unless
// config.json gives a path for them, in which case it joins the pod workload's (the engine's
// paths name the sandbox, whose namespaces in the guest are its workload's). The network is the
// guest's: the pod's.

#include <memory>
#include <string>
#include <vector>

#include "agent/workload.h"
#include "base/result.h"
#include "vm/protocol/spec_codec.h"

namespace strata::agent {

struct Member {
    std::string name;
    std::unique_ptr<vm::agent::GuestSpec> guest;  // the child and its exec'd processes refer to it
    Workload w;  // its pid, cgroup and filter, for execs into it; its stdio moves to the session
    std::string cgroup_dir, root_dir;
};

// Starts the container of `req` next to `pod` (the VM's workload): returns once it exec'd, or
// with the reason it could not (naming the field or path and the errno). `warnings` collects
// what the guest cannot honour.
Result<std::unique_ptr<Member>> start_member(const Workload& pod, const vm::agent::MemberRequest& req,
                                             std::vector<std::string>& warnings);

// After its exit: removes its cgroup and root directory (best effort: what is busy stays).
void remove_member(const Member& m);

}  // namespace strata::agent
