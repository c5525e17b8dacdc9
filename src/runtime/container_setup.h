#pragma once
// The container init's setup between 'continue' and 'ready': namespaces it joins or makes,
// hostname, the root filesystem (mounts, sysctls, devices, the console, masks), process
// limits, pivot_root.

#include "base/result.h"
#include "runtime/init.h"

namespace strata::runtime {

Result<> setup_container(InitContext& ctx);

// Becomes root of a user namespace strata just made (uid/gid 0 are mapped by then).
Result<> become_root_in_user_namespace();

}  // namespace strata::runtime
