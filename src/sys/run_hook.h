#pragma once
// One OCI hook as a process: `path` exec'd with `args` (argv, args[0] included; empty: just the
// path) and `env`, `input` (the state JSON) on its stdin, default signal handling, its own
// process group (a timeout kills what it started too). Shared by the host runtime
// (runtime/hooks) and the guest agent, which runs startContainer hooks inside the VM.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace strata::sys {

// Errors start with `what` ("startContainer hook 0 (/bin/x)"): "exited with status 3", "could
// not be executed", "killed by 9 (signal)", "timed out after 2 s" (ETIMEDOUT).
Result<> run_hook(const std::string& path, const std::vector<std::string>& args, const std::vector<std::string>& env,
                  std::optional<int64_t> timeout_s, const std::string& input, const std::string& what);

}  // namespace strata::sys
