#pragma once
// Milliseconds on the monotonic clock: deadlines and durations that wall-clock steps cannot move.

#include <time.h>

#include <cstdint>

namespace strata::sys {

inline int64_t monotonic_ms() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

}  // namespace strata::sys
