#pragma once
// process.rlimits.

#include "base/result.h"
#include "spec/spec.h"

namespace strata::security {

// Applies each rlimit to the calling process. A hard limit above the current one needs
// CAP_SYS_RESOURCE; the error says so instead of a bare EPERM.
Result<> apply_rlimits(const std::vector<spec::Rlimit>& rlimits);

}  // namespace strata::security
