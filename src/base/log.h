#pragma once
// Runtime log: warnings and errors (and debug lines with --debug) to stderr or to --log FILE,
// as text or as runc's JSON lines {"level","msg","time"} that containerd and Podman parse.

#include <string_view>

namespace strata::log {

enum class Level { debug, info, warning, error };
enum class Format { text, json };

// Configures the sink. `path` empty = stderr. Opening a file that cannot be opened falls back to
// stderr and says so; logging must never be the reason a container operation fails.
void configure(std::string_view path, Format format, bool debug);

void write(Level level, std::string_view msg);
inline void debug(std::string_view msg) { write(Level::debug, msg); }
inline void info(std::string_view msg) { write(Level::info, msg); }
inline void warn(std::string_view msg) { write(Level::warning, msg); }
inline void error(std::string_view msg) { write(Level::error, msg); }

bool debug_enabled();

// Logs "<what>: 1.234 ms" at debug level when it goes out of scope (phase timings for --debug).
class Timer {
public:
    explicit Timer(const char* what);
    ~Timer();
    Timer(const Timer&) = delete;
    Timer& operator=(const Timer&) = delete;

private:
    const char* m_what;
    long long m_start_ns;
};
// True when the log goes to a file (the CLI then also prints errors to stderr).
bool to_file();

}  // namespace strata::log
