#pragma once
// After 'go': waiting until the init has exec'd the user's process, which the receiver of 'go'
// (`start`, or `run` itself) sees as EOF on the connection. On the way the init may hand over a
// seccomp notify fd: it has pivoted away from the host's paths and cannot reach the listener
// itself, so the receiver passes it on with the container process state (OCI runtime spec,
// linux.seccomp.listenerPath).

#include "base/result.h"
#include "runtime/state.h"

namespace strata::runtime {

// Returns once the init exec'd; its failure (an 'E' message) comes back as the error.
Result<> wait_for_exec(int fd, const State& state);

}  // namespace strata::runtime
