#pragma once
// The workload inside the guest: its root filesystem (erofs + tmpfs overlay, or a directory of
// the initramfs), its namespaces and cgroup, and the process itself, created in two steps like
// a container on the host: prepare (everything that can fail, then it waits) and start (exec).

#include <sys/types.h>

#include <string>
#include <vector>

#include "agent/cgroup.h"
#include "base/result.h"
#include "base/unique_fd.h"
#include "vm/protocol/agent_protocol.h"
#include "vm/protocol/spec_codec.h"

namespace strata::agent {

struct Workload {
    pid_t pid = 0;
    UniqueFd sync;                       // SOCK_SEQPACKET to the waiting child
    UniqueFd stdin_w, stdout_r, stderr_r;  // the other ends are the workload's fds 0, 1, 2
    // process.terminal: the pty's master (stdin_w and stdout_r are copies of it, no stderr_r),
    // received from `terminal` once the child opened it.
    UniqueFd pty, terminal;
    bool own_pid_namespace = false;      // its death then ends every process it started
    bool waits_for_go = true;            // false: it goes on to exec by itself (start_at_once)
    // Its mount and IPC namespaces, held open so that the workload's exit does not tear them
    // down (every mount, the mqueue instance) before its parent learns the exit status: the VM
    // powers off right after, and that teardown is ~all first-run kernel code under emulation.
    std::vector<UniqueFd> kept_namespaces;
    UniqueFd cgroup;                     // its cgroup (exec'd processes are born there); may be unset
    std::string cgroup_path = kWorkloadCgroup;  // where it is, if set
    const vm::agent::GuestFilter* seccomp = nullptr;  // linux.seccomp, for exec'd processes too
};

// Mounts the rootfs and clones the workload, which sets itself up. Unless sc.start_at_once it
// then waits for start_workload: this returns once the child reported ready. With start_at_once
// it goes on to exec and this returns right after the clone (start_workload reports how the
// setup ended). `warnings` collects what the guest cannot honour (host namespaces...).
Result<Workload> prepare_workload(const vm::agent::StartConfig& sc, const vm::agent::GuestSpec& guest,
                                  std::vector<std::string>& warnings);

// Lets the workload exec; returns once execve succeeded (the child's sync end is CLOEXEC).
Result<> start_workload(Workload& w);

// Where the workload's root is assembled in the agent's mount namespace.
inline constexpr const char* kWorkloadRoot = "/run/strata/root";

// The child side (workload_child.cc): never returns.
struct ChildContext {
    const vm::agent::GuestSpec* guest = nullptr;
    int sync = -1;
    int stdio[3] = {-1, -1, -1};
    int terminal = -1;  // process.terminal: where the pty's master goes (terminal.h)
    bool new_uts = false;
    bool wait_for_go = true;  // report ready and wait for 'go' before the irreversible steps
    // Where its root is assembled. A pod VM's further container (member.h) has its root bound
    // there first, in its own mount namespace, from `root_source` (its rootfs in the share).
    std::string root = kWorkloadRoot;
    std::string root_source;
    // Namespaces it enters first (fd, CLONE_NEW*): a pod's, which its further containers join.
    std::vector<std::pair<int, int>> joins;
};
[[noreturn]] void run_child(const ChildContext& ctx);

// Clones the child of `ctx` (its sync, stdio and terminal fds are made here) with `flags`, into
// `cgroup` (may be unset), in the pid namespace `join_pid` if >= 0, and waits until it is ready
// (ctx.wait_for_go) or returns at once (it goes on to exec). For the workload and a pod VM's
// further containers alike.
Result<Workload> clone_workload(ChildContext ctx, uint64_t flags, UniqueFd cgroup, int join_pid, bool own_pid_namespace);

// Child -> agent: 'R' ready (unless it does not wait for go), 'E' i32 errno + context; agent ->
// child: 'G' go. EOF after 'G' (or, without go, without an 'E') = exec'd.
inline constexpr char kChildReady = 'R';
inline constexpr char kChildError = 'E';
inline constexpr char kChildGo = 'G';

}  // namespace strata::agent
