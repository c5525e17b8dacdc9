#pragma once
// The monitor's relay while the workload runs: the container's stdin (fd 0) to the agent under
// the stdin window, stdout/stderr frames to fds 1 and 2, signals from a signalfd to the workload,
// until the agent reports the exit status (or the VM dies).

#include <string>

#include "base/result.h"
#include "vm/agent_protocol.h"
#include "vm/backend.h"

namespace strata::vm {

Result<agent::ExitStatus> relay_workload(int agent_fd, agent::FrameParser& parser, Vm& vm, int sigfd);

// Passes an agent's log frame (a warning) or trace frame (debug) to the host's log; false for
// any other frame. For every place the monitor reads frames.
bool log_agent_frame(const agent::Frame& f);

// Adds the guest's own account of a failure to `e`: the last lines of its console log and of
// the VMM's log (QEMU's stderr), where they have any.
Error with_guest_logs(Error e, const std::string& console_log, const std::string& vmm_log);

// Reads frames until one of type `want`, passing log and trace frames to the log. An error frame
// becomes the result, so does any other frame; none within `timeout_ms` is ETIMEDOUT.
Result<agent::Frame> expect_agent_frame(int agent_fd, agent::FrameParser& parser, agent::Msg want, int timeout_ms);

}  // namespace strata::vm
