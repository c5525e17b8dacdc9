#pragma once
// The micro-VM monitor: what the container's init process becomes for the vm substrate. It
// boots the VM (everything that can fail happens before `ready`), releases the workload at
// `wait_for_go`, then relays the workload's stdio between its own fds 0/1/2 (the container's
// stdio) and the agent, forwards the signals it receives to the workload, and exits with the
// workload's exit status (128+N for a signal). So `state`, `kill`, `delete` and `run` work on the
// monitor's pid exactly as on a container's init.

#include <functional>
#include <optional>
#include <string>

#include "base/result.h"
#include "spec/spec.h"
#include "vm/protocol/spec_codec.h"

namespace strata::vm {

struct MonitorOptions {
    const spec::Spec* spec = nullptr;
    std::string rootfs;        // the bundle's rootfs, absolute
    std::string bundle;        // absolute: anchors relative bind sources (the file share)
    std::string work_dir;      // per-container directory (console log, ...), removed by delete
    std::string kernel;        // --vm-kernel ("" = annotation or default)
    std::string backend;       // --vm-backend ("" = annotation or automatic)
    std::string template_mode; // --vm-template auto|off ("" = annotation or auto)
    // `strata run`: start follows create at once, with nothing observable in between, so the
    // agent starts the workload right after preparing it (no round trip through the host).
    bool start_at_once = false;
    // process.terminal: fds 0-2 are a raw host pty, the monitor's controlling terminal; its
    // window size goes to the guest's pty (at start and on every SIGWINCH).
    bool terminal = false;
    // linux.seccomp as create compiled it: the agent loads it in the guest.
    std::optional<agent::GuestFilter> seccomp;
    // The state JSON for the startContainer hooks, which the agent runs in the guest.
    std::string hook_state;
    // A pod's sandbox (runtime/pod.h): its VM is the pod's, and the pod's further containers join
    // it (vm/share/member_share.h), so it always has a file share, to which they are added.
    bool pod_sandbox = false;
};

// The lifecycle protocol of the runtime's init channel, passed in so vm/ does not depend on
// runtime/.
struct MonitorHooks {
    std::function<Result<>()> create_hooks;       // prestart + createRuntime on the host (may be empty)
    std::function<Result<>()> ready;              // create may return: the VM is prepared
    std::function<bool()> wait_for_go;            // blocks until start/run; false: nobody will
    std::function<void()> started;                // the workload runs (start/run may return)
    std::function<void(const Error&)> fail;       // reports to create/start and exits 1
};

[[noreturn]] void run_monitor(const MonitorOptions& opts, const MonitorHooks& hooks);

}  // namespace strata::vm
