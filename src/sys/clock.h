#pragma once
// Milliseconds (and microseconds) on the monotonic clock: deadlines and durations that wall-clock steps cannot move.

#include <time.h>

#include <cstdint>

namespace strata::sys {

inline int64_t monotonic_ms() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// Microseconds on the same clock: for timings reported in logs and benchmarks.
inline int64_t monotonic_us() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

}  // namespace strata::sys
