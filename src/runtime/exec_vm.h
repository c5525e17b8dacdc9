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
// `container`: a pod VM's further container to exec into, in the VM of the sandbox whose state
// directory `state_dir` is ("": the VM's own workload).
Result<int> exec_in_vm(const ExecOptions& o, const std::string& state_dir, const spec::Process& proc,
                       const std::string& container = "");

// A session's host side once its guest process runs (an exec's, a pod VM's further container's):
// the signals this process gets go to it over the exec socket `conn`, except SIGWINCH with a
// terminal (`tty` >= 0), which sends the terminal's new size instead; returns its exit status
// (128+N for a signal) once the monitor reports it. `what` names it in errors.
Result<int> proxy_vm_session(int conn, const std::string& what, int64_t t_started, int tty = -1);

// The monitor's answer to a request that starts a guest process (an exec, a pod VM's further
// container): its pid in the guest and the µs the guest took, or the guest's error. `what`
// ("exec ID") leads every error.
struct GuestStarted {
    uint32_t pid = 0, us = 0;
};
Result<GuestStarted> await_guest_start(int conn, const std::string& what);

}  // namespace strata::runtime
