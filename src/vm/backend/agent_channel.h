#pragma once
// The host's end of the agent channel, for every place that reads the agent's frames outside the
// workload's relay (the monitor's boot and prepare steps, the template builder): waiting for one
// frame with a deadline, passing log and trace frames to the host's log, and the guest's own
// account of a failure.

#include <string>

#include "base/result.h"
#include "vm/protocol/agent_protocol.h"

namespace strata::vm {

// How long the host waits for room in the agent channel before it gives the guest up: a guest
// that has not read a frame for this long is hung or hostile, and the host must not hang with it.
inline constexpr int kAgentWriteTimeoutMs = 30'000;

// Every frame the host sends the agent: a write bounded by `timeout_ms` (ETIMEDOUT beyond).
Result<> send_to_agent(int agent_fd, agent::Msg type, std::string_view payload = {}, int timeout_ms = kAgentWriteTimeoutMs);

// Passes an agent's log frame (a warning) or trace frame (debug) to the host's log, control
// characters escaped (a guest's newline must not forge a host log line); false for any other
// frame. For every place the monitor reads frames.
bool log_agent_frame(const agent::Frame& f);

// Adds the guest's own account of a failure to `e`: the last lines of its console log and of
// the VMM's log (QEMU's stderr), where they have any, each line with its control characters
// (terminal escapes, carriage returns) escaped.
Error with_guest_logs(Error e, const std::string& console_log, const std::string& vmm_log);

// Reads frames until one of type `want`, passing log and trace frames to the log. An error frame
// becomes the result, so does any other frame; none within `timeout_ms` is ETIMEDOUT.
Result<agent::Frame> expect_agent_frame(int agent_fd, agent::FrameParser& parser, agent::Msg want, int timeout_ms);

}  // namespace strata::vm
