#pragma once
// How many times the fault tests walk each stage (per substrate). The stages are deterministic,
// not timed. The sanitizer build, there for memory errors on the recovery paths, walks each once
// (its runs cost ~10x); the normal build three times (scripts/test.sh runs both).

namespace strata::test {

#ifdef __SANITIZE_ADDRESS__
constexpr int kTrials = 1;
#else
constexpr int kTrials = 3;
#endif

}  // namespace strata::test
