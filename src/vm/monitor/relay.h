#pragma once
// The monitor's relay while the workload runs: the container's stdin (fd 0) to the agent under
// the stdin window, stdout/stderr frames to fds 1 and 2, signals from a signalfd to the workload,
// until the agent reports the exit status (or the VM dies).

#include "base/result.h"
#include "vm/backend/backend.h"
#include "vm/protocol/agent_protocol.h"

namespace strata::vm {

Result<agent::ExitStatus> relay_workload(int agent_fd, agent::FrameParser& parser, Vm& vm, int sigfd);

}  // namespace strata::vm
