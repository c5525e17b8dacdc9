#pragma once
// Environment gates for privileged tests. On a laptop a test without root / a kernel feature /
// /dev/kvm skips and says why; with STRATA_REQUIRE_ALL=1 (set by .ci/run, whose machines have
// all of them) the same condition fails the test instead: nothing passes silently in CI.

#include <gtest/gtest.h>

#include <string>

namespace strata::test {

bool require_all();
bool is_root();
bool have_kvm();
// True if the running kernel lists `fs` in /proc/filesystems.
bool kernel_has_filesystem(const std::string& fs);

}  // namespace strata::test

#define STRATA_REQUIRE(cond, reason)                                                   \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            if (::strata::test::require_all()) {                                       \
                FAIL() << "required but unavailable (STRATA_REQUIRE_ALL=1): " << reason; \
            } else {                                                                   \
                GTEST_SKIP() << "skipped: " << reason;                                 \
            }                                                                          \
        }                                                                              \
    } while (0)

#define STRATA_REQUIRE_ROOT() STRATA_REQUIRE(::strata::test::is_root(), "needs root (CAP_SYS_ADMIN)")
