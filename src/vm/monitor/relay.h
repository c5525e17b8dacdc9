#pragma once
// The monitor's relay while the workload runs: the container's stdin (fd 0) to the agent under
// the stdin window, stdout/stderr frames to fds 1 and 2, signals from a signalfd to the workload,
// and the exec sessions that `strata exec` opens on the exec socket (exec_socket.h), until the
// agent reports the workload's exit status (or the VM dies).

#include <string>

#include "base/result.h"
#include "vm/backend/agent_channel.h"
#include "vm/backend/backend.h"
#include "vm/protocol/agent_protocol.h"

namespace strata::vm {

struct RelayOptions {
    int exec_listener = -1;  // the exec socket, listening (-1: no exec)
    // process.terminal: the host tty whose window size the guest's pty takes, at the start and
    // on SIGWINCH (which then is not forwarded as a signal); -1: none.
    int terminal = -1;
    // Every frame to the agent waits at most this long for room: a guest that stops reading
    // ends the relay with ETIMEDOUT (and the monitor then ends the VM) instead of hanging it.
    int write_timeout_ms = kAgentWriteTimeoutMs;
    // A pod sandbox's VM: its file share, where the pod's further containers are staged
    // (vm/share/member_share.h). "": this VM runs no further containers.
    std::string share_dir;
};

Result<agent::ExitStatus> relay_workload(int agent_fd, agent::FrameParser& parser, Vm& vm, int sigfd,
                                         const RelayOptions& opts = {});

}  // namespace strata::vm
