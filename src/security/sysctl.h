#pragma once
// Which sysctls a container may set: only those its own namespaces make private (IPC, UTS, net).
// Anything else would change the host for everyone.

#include <string>

#include "base/result.h"
#include "spec/spec.h"

namespace strata::security {

// Checks every key of linux.sysctl against the namespaces the container gets.
Result<> validate_sysctls(const spec::Spec& spec, const std::string& file);

}  // namespace strata::security
