#include "base/strings.h"

#include <charconv>
#include <cstdio>
#include <ctime>

namespace strata {

std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> out;
    size_t start = 0;
    for (;;) {
        size_t pos = s.find(sep, start);
        if (pos == std::string_view::npos) {
            out.emplace_back(s.substr(start));
            return out;
        }
        out.emplace_back(s.substr(start, pos - start));
        start = pos + 1;
    }
}

std::vector<std::string> split_nonempty(std::string_view s, char sep) {
    std::vector<std::string> out;
    for (auto& p : split(s, sep))
        if (!p.empty()) out.push_back(std::move(p));
    return out;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
    std::string out;
    for (size_t i = 0; i < parts.size(); ++i) {
        if (i) out += sep;
        out += parts[i];
    }
    return out;
}

std::string_view trim(std::string_view s) {
    const char* ws = " \t\r\n";
    size_t b = s.find_first_not_of(ws);
    if (b == std::string_view::npos) return {};
    size_t e = s.find_last_not_of(ws);
    return s.substr(b, e - b + 1);
}

std::optional<int64_t> parse_int(std::string_view s) {
    int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
}

std::optional<uint64_t> parse_uint(std::string_view s) {
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
}

std::optional<int64_t> parse_size(std::string_view s) {
    s = trim(s);
    if (s.empty()) return std::nullopt;
    int64_t mult = 1;
    char last = s.back();
    if (last == 'b' || last == 'B') {
        s.remove_suffix(1);
        if (s.empty()) return std::nullopt;
        last = s.back();
    }
    switch (last) {
        case 'k': case 'K': mult = 1LL << 10; break;
        case 'm': case 'M': mult = 1LL << 20; break;
        case 'g': case 'G': mult = 1LL << 30; break;
        case 't': case 'T': mult = 1LL << 40; break;
        default: break;
    }
    if (mult != 1) s.remove_suffix(1);
    auto v = parse_int(s);
    if (!v || *v < 0) return std::nullopt;
    if (*v > INT64_MAX / mult) return std::nullopt;
    return *v * mult;
}

namespace {

void append_escaped(std::string& out, std::string_view s, bool escape_quotes) {
    for (unsigned char c : s) {
        if (c == '\\' || (escape_quotes && c == '"')) {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
}

}  // namespace

std::string quote(std::string_view s) {
    std::string out = "\"";
    append_escaped(out, s, true);
    out += '"';
    return out;
}

std::string escape_controls(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    append_escaped(out, s, false);
    return out;
}

std::string rfc3339_now() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    tm t{};
    gmtime_r(&ts.tv_sec, &t);
    // Formatted by hand: strftime loads the time zone (it reads /etc/localtime) on every
    // create, though UTC needs none.
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", t.tm_year + 1900, t.tm_mon + 1,
                  t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, ts.tv_nsec);
    return buf;
}

}  // namespace strata
