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
bool require_kvm();           // STRATA_REQUIRE_KVM=1
std::string kvm_absence();    // why /dev/kvm cannot be opened: "open /dev/kvm: ENOENT"
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

// /dev/kvm belongs to the host platform: no package or script of the project can provide it, and
// a machine whose kernel is itself a guest may not expose one at all (this machine class since
// 2026-12: "kvm-pvm: this kernel is itself a kvm-pvm guest; not binding"). Where it is missing,
// the tests that run guests under strata's own VMM say that they did not run and why, under
// STRATA_REQUIRE_ALL=1 too, as the tests that need vmx/svm do; STRATA_REQUIRE_KVM=1 turns its
// absence into a failure on machines known to have it.
#define STRATA_REQUIRE_KVM()                                                                   \
    do {                                                                                       \
        if (!::strata::test::have_kvm()) {                                                     \
            if (::strata::test::require_kvm()) {                                               \
                FAIL() << "required but unavailable (STRATA_REQUIRE_KVM=1): /dev/kvm (read-write)"; \
            } else {                                                                           \
                GTEST_SKIP() << "did not run: no usable /dev/kvm on this host (" << ::strata::test::kvm_absence() << ")"; \
            }                                                                                  \
        }                                                                                      \
    } while (0)

#define STRATA_REQUIRE_ROOT() STRATA_REQUIRE(::strata::test::is_root(), "needs root (CAP_SYS_ADMIN)")
