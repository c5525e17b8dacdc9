#include "base/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <ctime>
#include <string>

#include "base/strings.h"

namespace strata::log {
namespace {

int g_fd = STDERR_FILENO;
Format g_format = Format::text;
bool g_debug = false;

const char* level_name(Level l) {
    switch (l) {
        case Level::debug: return "debug";
        case Level::info: return "info";
        case Level::warning: return "warning";
        case Level::error: return "error";
    }
    return "error";
}

std::string json_string(std::string_view s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '\r': out += "\\r"; break;
            default:
                if (c < 0x20) {
                    char buf[8];
                    snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    return out + "\"";
}

}  // namespace

void configure(std::string_view path, Format format, bool debug) {
    g_format = format;
    g_debug = debug;
    if (path.empty()) return;
    std::string p(path);
    int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        write(Level::warning, "open log file " + quote(p) + ": " + strerror(errno));
        return;
    }
    g_fd = fd;
}

bool debug_enabled() { return g_debug; }

namespace {
long long now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
}  // namespace

Timer::Timer(const char* what) : m_what(what), m_start_ns(g_debug ? now_ns() : 0) {}

Timer::~Timer() {
    if (!g_debug) return;
    char buf[128];
    snprintf(buf, sizeof buf, "%s: %.3f ms", m_what, static_cast<double>(now_ns() - m_start_ns) / 1e6);
    write(Level::debug, buf);
}
bool to_file() { return g_fd != STDERR_FILENO; }

void write(Level level, std::string_view msg) {
    if (level == Level::debug && !g_debug) return;
    std::string line;
    if (g_format == Format::json) {
        line = "{\"level\":\"" + std::string(level_name(level)) + "\",\"msg\":" + json_string(msg) +
               ",\"time\":\"" + rfc3339_now() + "\"}\n";
    } else if (g_fd == STDERR_FILENO) {
        char stamp[32] = "";
        if (g_debug) {
            timespec ts{};
            clock_gettime(CLOCK_MONOTONIC, &ts);
            snprintf(stamp, sizeof stamp, "[%ld.%06ld] ", ts.tv_sec % 1000, ts.tv_nsec / 1000);
        }
        line = std::string(stamp) + "strata: " +
               (level == Level::error ? "" : std::string(level_name(level)) + ": ") +
               std::string(msg) + "\n";
    } else {
        line = rfc3339_now() + " " + level_name(level) + " " + std::string(msg) + "\n";
    }
    // One write(2) per line so concurrent writers to one O_APPEND file do not interleave.
    (void)!::write(g_fd, line.data(), line.size());
}

}  // namespace strata::log
