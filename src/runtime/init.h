#pragma once
// The container's init process: runs between clone and the exec of the user's process, inside
// the new namespaces. Never returns: it execs the process or reports an error and exits.

#include <string>
#include <vector>

#include "ns/namespaces.h"
#include "rootfs/mount_plan.h"
#include "runtime/create.h"
#include "runtime/substrate.h"
#include "security/seccomp/filter.h"
#include "spec/spec.h"

namespace strata::runtime {

struct InitContext {
    const spec::Spec* spec = nullptr;
    const CreateOptions* opts = nullptr;
    std::string rootfs;                       // absolute host path
    ns::Plan* namespaces = nullptr;
    const std::vector<rootfs::MountOp>* mounts = nullptr;
    int sync_fd = -1;                         // to the parent
    int listener_fd = -1;                     // create mode: `start` connects here
    bool two_stage_child = false;             // stage 2 of the two-stage path: joins already done
    int state_dir_fd = -1;                    // the parent's locked state dir: closed at once
    Substrate substrate = Substrate::container;
    int console_fd = -1;                      // terminal: where the pty master goes
    std::string hook_state;                   // state JSON for the hooks the init runs itself
    const security::seccomp::Program* seccomp = nullptr;  // compiled by create; loaded last
    std::string pod_sandbox;  // vm: the pod sandbox whose VM runs this container (runtime/pod.h)
};

// Stage 1 of the two-stage path: joins, new user namespace, the rest, then forks stage 2 (as a
// child of strata itself, CLONE_PARENT) which continues as the init.
[[noreturn]] void run_stage1(InitContext& ctx);
[[noreturn]] void run_init(InitContext& ctx);

}  // namespace strata::runtime
