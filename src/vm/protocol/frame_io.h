#pragma once
// Frames of the agent protocol on a file descriptor: whole-frame writes (blocking, or waiting
// for POLLOUT on a non-blocking fd) and reads into a FrameParser. Shared by host and agent.

#include <string_view>

#include "base/result.h"
#include "vm/protocol/agent_protocol.h"

namespace strata::vm::agent {

// Writes header + payload completely.
Result<> write_frame(int fd, Msg type, std::string_view payload = {});

// One read(2) of up to 64 KiB into `parser`; false on EOF. EAGAIN/EINTR read nothing, true.
Result<bool> read_into(int fd, FrameParser& parser);

// Blocks (up to `timeout_ms`, -1 = forever) until a whole frame arrived. ETIMEDOUT / EPIPE (EOF).
Result<Frame> read_frame(int fd, FrameParser& parser, int timeout_ms);

}  // namespace strata::vm::agent
