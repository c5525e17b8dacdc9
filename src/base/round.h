#pragma once
// Rounding without libm: std::llround and std::lround are libm calls, and one of them is enough
// to make the dynamic loader map libm into every strata process (0.3 MB of RSS and a library
// load on each `run`). tests/runtime_footprint checks that strata needs no libm.
#include <cstdint>

namespace strata {

// Half away from zero, as std::llround, for values well inside int64_t's range.
constexpr int64_t round_to_int64(double x) {
    return static_cast<int64_t>(x < 0 ? x - 0.5 : x + 0.5);
}

}  // namespace strata
