#pragma once
// `exec` into a micro-VM container: the process runs in the guest, in the workload's namespaces
// and cgroup (the agent's exec sessions); `strata exec` is its host-side proxy. It hands the
// monitor its stdio over the exec socket (vm/monitor/exec_socket.h), forwards the signals it
// gets, and exits with the guest process's status, so an engine that waits for the pid in
// --pid-file (conmon, containerd's shim) sees the exec'd process's life and exit code.

#include "base/result.h"
#include "runtime/exec.h"
#include "spec/spec.h"

namespace strata::runtime {

// `state_dir`: the container's state directory (its vm/ holds the exec socket). Foreground: the
// process's exit status (128+N for a signal). Detached: 0 once it runs; a forked proxy then
// carries the session and is the pid in --pid-file.
Result<int> exec_in_vm(const ExecOptions& o, const std::string& state_dir, const spec::Process& proc);

}  // namespace strata::runtime
