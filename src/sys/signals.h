#pragma once
// Signal names and numbers as runc accepts them: "TERM", "SIGTERM", "15", "sigkill".

#include <optional>
#include <string>
#include <string_view>

namespace strata::sys {

std::optional<int> parse_signal(std::string_view s);
std::string signal_name(int sig);  // "SIGTERM"; "SIGRTMIN+3"; "signal 99"

}  // namespace strata::sys
