#pragma once
// What exec needs from a process's environment, the same in the container init, bare mode,
// `exec` and the guest agent: variables of an env list, HOME from /etc/passwd, PATH lookup.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace strata::sys {

// The value of KEY in a list of KEY=VALUE entries (the first one), or nullopt.
std::optional<std::string> env_lookup(const std::vector<std::string>& env, std::string_view key);

// The home directory of `uid` in /etc/passwd of the current root, or "/" (runc's rule for a
// config without HOME).
std::string home_of(uint32_t uid);

// args[0] resolved as execvp would: a name with a '/' as is, others along PATH (a default PATH
// when the env has none). With a `prefix` (bare mode: the rootfs path) every candidate is
// looked up under it. Errors name the file and the reason (ENOENT, EACCES, EISDIR).
Result<std::string> find_executable(const std::string& name, const std::vector<std::string>& env,
                                    const std::string& prefix = "");

}  // namespace strata::sys
