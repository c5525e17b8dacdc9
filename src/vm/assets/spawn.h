#pragma once
// Running a helper program (mkfs.erofs, the kernel build script) and capturing its output.

#include <functional>
#include <string>
#include <vector>

#include "base/result.h"

namespace strata::vm {

// Runs argv[0] (an absolute path or a name looked up in PATH) to completion. A non-zero exit is
// an error carrying the last lines of its output. `on_line`, if given, sees each output line
// (stdout and stderr merged) as it arrives.
Result<> run_program(const std::vector<std::string>& argv,
                     const std::function<void(const std::string&)>& on_line = {});

// PATH lookup; empty if not found.
std::string find_program(const std::string& name);

}  // namespace strata::vm
