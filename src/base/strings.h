#pragma once
// String helpers: split/join, integer parsing with range checks, JSON-safe quoting for messages.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata {

std::vector<std::string> split(std::string_view s, char sep);
// Like split, but drops empty pieces ("a//b/" -> {"a","b"}).
std::vector<std::string> split_nonempty(std::string_view s, char sep);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
std::string_view trim(std::string_view s);

// Whole-string decimal parse; nullopt on junk, sign errors or overflow.
std::optional<int64_t> parse_int(std::string_view s);
std::optional<uint64_t> parse_uint(std::string_view s);

// "1G", "512m", "1048576" -> bytes (binary units, as runc's update flags take them).
std::optional<int64_t> parse_size(std::string_view s);

// Double-quoted, with control characters escaped: for naming user-supplied objects in errors.
std::string quote(std::string_view s);

// Control characters (newlines, terminal escapes, DEL) as \xNN, backslashes doubled: for text
// from an untrusted source (a guest's log lines) that goes into a log or message, where a raw
// newline would forge a line and an escape sequence would drive the reader's terminal.
std::string escape_controls(std::string_view s);

// Current time as RFC 3339 with nanoseconds in UTC ("2026-11-23T20:52:01.123456789Z").
std::string rfc3339_now();

}  // namespace strata
