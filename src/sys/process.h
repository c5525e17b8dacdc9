#pragma once
// Process syscalls: fork-like clone3 with namespaces, pidfds, waiting, prctl, /proc/<pid> facts.

#include <signal.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "base/result.h"
#include "base/unique_fd.h"

namespace strata::sys {

struct CloneArgs {
    uint64_t flags = 0;       // CLONE_NEW* | CLONE_PIDFD | CLONE_INTO_CGROUP | CLONE_PARENT
    int cgroup_fd = -1;       // with CLONE_INTO_CGROUP (cgroup v2)
    int exit_signal = SIGCHLD;
};
struct Child {
    pid_t pid = 0;            // 0 in the child
    UniqueFd pidfd;           // with CLONE_PIDFD, in the parent
};
// clone3 without a new stack: returns twice, like fork(). The caller must be single-threaded.
Result<Child> clone3(const CloneArgs& args);

Result<UniqueFd> pidfd_open(pid_t pid);
Result<> pidfd_send_signal(int pidfd, int sig);
Result<> kill(pid_t pid, int sig);

// Waits for `pid` and returns the shell-style exit status: code, or 128+signal.
Result<int> wait_exit_status(pid_t pid);
// Non-blocking: the status if `pid` has exited, nullopt if it still runs.
Result<std::optional<int>> try_wait_exit_status(pid_t pid);
int exit_status_from_wait(int wstatus);

// The 22nd field of /proc/<pid>/stat (start time in clock ticks since boot): with the pid it names
// one process for its whole life, so a recycled pid is never mistaken for the container.
Result<uint64_t> process_start_time(pid_t pid);
// True if `pid` exists, started at `start_time` and is not a zombie.
bool process_alive(pid_t pid, uint64_t start_time);

// "pid 123 (sleep, state S, parent 1)" for messages about what is left of a container; "pid 123
// (gone)" when /proc has no such process.
std::string describe_process(pid_t pid);

Result<> set_child_subreaper();
Result<> set_dumpable(bool dumpable);
Result<> set_no_new_privs();
Result<> set_parent_death_signal(int sig);
Result<> set_name(const std::string& name);  // PR_SET_NAME (comm), 15 chars

// close_range(first, ~0, CLOSE_RANGE_CLOEXEC): every fd >= first is closed at execve.
Result<> cloexec_from(int first);

}  // namespace strata::sys
