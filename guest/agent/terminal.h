#pragma once
// Guest ptys for process.terminal, the workload's and an exec'd process's alike: made in the
// container's devpts after its root is in place (as runc makes one), the slave the process's
// stdio and controlling terminal, the master passed to the agent, which relays it as stdout.

#include <cstdint>

#include "base/result.h"
#include "base/unique_fd.h"
#include "spec/spec.h"

namespace strata::agent {

// In the process being set up: opens /dev/ptmx, sends the master over the seqpacket `to_agent`
// (SCM_RIGHTS), and makes the slave its stdio and controlling terminal in a new session.
Result<> open_terminal(const spec::Process& proc, int to_agent);

// In the agent: the master sent by open_terminal, non-blocking; an empty fd if the process
// ended (or failed) before it opened one.
UniqueFd receive_terminal(int from_child);

// A window size for a pty (the host's `resize` or `exec_resize`).
Result<> resize_pty(int master, uint32_t rows, uint32_t cols);

}  // namespace strata::agent
