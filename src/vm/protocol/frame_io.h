#pragma once
// Frames of the agent protocol on a file descriptor: whole-frame writes (blocking, or bounded
// by a deadline) and reads into a FrameParser. Shared by host and agent.

#include <string_view>

#include "base/result.h"
#include "vm/protocol/agent_protocol.h"

namespace strata::vm::agent {

// Writes header + payload completely. With `timeout_ms` >= 0 (the host's writes: `fd` is its end
// of a socketpair) the frame is sent without blocking and the wait for room is bounded: a peer
// that has not read for that long gets ETIMEDOUT, and a half-sent frame, so the channel is then
// unusable (the caller ends the VM). -1 (the agent's writes) blocks, or waits for POLLOUT on a
// non-blocking fd, for as long as it takes.
Result<> write_frame(int fd, Msg type, std::string_view payload = {}, int timeout_ms = -1);

// One read(2) of up to 64 KiB into `parser`; false on EOF. EAGAIN/EINTR read nothing, true.
Result<bool> read_into(int fd, FrameParser& parser);

// Blocks (up to `timeout_ms`, -1 = forever) until a whole frame arrived. ETIMEDOUT / EPIPE (EOF).
Result<Frame> read_frame(int fd, FrameParser& parser, int timeout_ms);

}  // namespace strata::vm::agent
