#pragma once
// OCI hooks: each one run with the container's state JSON on stdin, its own args and env, and a
// timeout. Where and when each kind runs is decided by the caller (create, init, start, delete).

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/result.h"
#include "spec/spec.h"

namespace strata::runtime {

// Runs the hooks in order; the first that fails (non-zero exit, signal, timeout, missing binary)
// is an error naming it: "createRuntime hook 0 (/usr/bin/x): exited with status 3".
Result<> run_hooks(const std::vector<spec::Hook>& hooks, const nlohmann::json& state, const std::string& kind);
// Same, but failures are only logged as warnings (poststart, poststop).
void run_hooks_warn(const std::vector<spec::Hook>& hooks, const nlohmann::json& state, const std::string& kind);

// The state document hooks receive.
nlohmann::json hook_state(const std::string& id, const std::string& status, pid_t pid, const std::string& bundle,
                          const std::map<std::string, std::string>& annotations);

}  // namespace strata::runtime
