#pragma once
// process.user: supplementary groups, gid, uid (with capabilities kept for the capset that
// follows), and the umask.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "base/result.h"
#include "spec/spec.h"

namespace strata::security {

// setgroups, setresgid, setresuid. Call keep_caps(true) first to keep permitted capabilities.
Result<> switch_user(const spec::User& user);

// `exec --user`: "1000", "1000:1000", "name", "name:group". Names are looked up in /etc/passwd
// and /etc/group of the current root: the caller has entered the container's (its mount
// namespace, or the guest's workload root). A name without a group takes the user's primary
// group from /etc/passwd; a uid without a group: nullopt (the configured gid stays, as runc).
Result<std::pair<uint32_t, std::optional<uint32_t>>> resolve_user(const std::string& spec_user);

}  // namespace strata::security
