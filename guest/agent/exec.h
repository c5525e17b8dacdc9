#pragma once
// An exec'd process in the running workload, as runc's exec makes one on a host: born in the
// workload's pid namespace and cgroup, joining its mount, IPC, UTS and cgroup namespaces, rooted
// at its root, with the exec request's process (user, groups, capabilities, rlimits, cwd, env).
// With process.terminal its stdio is a pty from the container's /dev/ptmx, as runc makes one.

#include <sys/types.h>

#include "base/result.h"
#include "base/unique_fd.h"
#include "vm/protocol/spec_codec.h"

namespace strata::agent {

struct Workload;

struct ExecProcess {
    pid_t pid = 0;
    UniqueFd stdin_w, stdout_r, stderr_r;  // non-blocking; the other ends are its fds 0, 1, 2
    UniqueFd pty;  // process.terminal: the master (stdin_w and stdout_r are copies; no stderr_r)
};

// Returns once the process exec'd (or with the reason it could not: its error names the field
// or path and the errno, as the container's exec would).
Result<ExecProcess> spawn_exec(const Workload& w, const vm::agent::GuestExec& req);

}  // namespace strata::agent
