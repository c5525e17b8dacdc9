#pragma once
// Signal names and numbers as runc accepts them: "TERM", "SIGTERM", "15", "sigkill"; and the
// signal state a process is exec'd with.

#include <optional>
#include <string>
#include <string_view>

namespace strata::sys {

std::optional<int> parse_signal(std::string_view s);
std::string signal_name(int sig);  // "SIGTERM"; "SIGRTMIN+3"; "signal 99"

// Default handling for every signal and an empty mask, whatever the runtime's caller had: exec
// keeps ignored signals and the mask, and a workload must not inherit them.
void reset_signal_state();

}  // namespace strata::sys
