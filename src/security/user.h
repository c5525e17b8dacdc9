#pragma once
// process.user: supplementary groups, gid, uid (with capabilities kept for the capset that
// follows), and the umask.

#include "base/result.h"
#include "spec/spec.h"

namespace strata::security {

// setgroups, setresgid, setresuid. Call keep_caps(true) first to keep permitted capabilities.
Result<> switch_user(const spec::User& user);

}  // namespace strata::security
