#pragma once
// The irreversible last steps of a process in the guest, the workload's and an exec'd one's
// alike: identity (user, groups, capabilities, no_new_privs), signal state, the seccomp filter,
// exec. The order is the container init's (runtime/launch.cc), so a profile that works for a
// container works in the guest.

#include <string>
#include <vector>

#include "base/result.h"
#include "security/caps.h"
#include "spec/spec.h"
#include "vm/protocol/spec_codec.h"

namespace strata::agent {

// Returns only on failure. `seccomp` may be null (no linux.seccomp).
Result<> confine_and_exec(const spec::Process& proc, const security::CapSets& caps,
                          const vm::agent::GuestFilter* seccomp, const std::string& executable,
                          const std::vector<std::string>& env);

}  // namespace strata::agent
