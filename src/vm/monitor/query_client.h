#pragma once
// One question to a running VM's guest (vm/protocol/guest_query.h), asked on its monitor's exec
// socket (exec_socket.h: 'Q' + the question, one 'R' + the answer): a question never waits
// behind the workload's output. Used by `strata ps` and `strata events`, and by the monitor's
// own /proc view (vm/procview), which asks from a thread of the monitor like any other client.

#include <string>

#include "base/result.h"
#include "vm/protocol/guest_query.h"

namespace strata::vm {

// A guest under emulation on a loaded host answers in milliseconds; one that does not answer
// within this is hung, and saying so beats waiting.
inline constexpr int kGuestAnswerTimeoutS = 15;

// `vm_dir` is the container's <state dir>/vm; `who` starts every error ("ps ID"). A guest that
// does not answer within `timeout_s` is an ETIMEDOUT error, not a wait.
// `container`: a pod VM's further container to ask about ("": the VM's workload).
Result<std::string> ask_guest(const std::string& vm_dir, agent::Query what, const std::string& who, int timeout_s,
                              const std::string& container = "");

}  // namespace strata::vm
