// `strata features`' seccomp section: probed, and consistent with what compile() accepts.

#include "security/seccomp/features.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "security/seccomp/filter.h"

namespace strata::security::seccomp {
namespace {

bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

TEST(SeccompFeatures, ReportsWhatThisHostSupports) {
    Support s = probe_support();
    ASSERT_TRUE(s.enabled);  // the test machines' kernels have seccomp filters
    EXPECT_TRUE(has(s.actions, "SCMP_ACT_ERRNO"));
    EXPECT_TRUE(has(s.actions, "SCMP_ACT_ALLOW"));
    EXPECT_EQ(s.operators.size(), 7u);
    EXPECT_TRUE(has(s.archs, "SCMP_ARCH_X86_64"));
    EXPECT_FALSE(has(s.archs, "SCMP_ARCH_NATIVE"));
    EXPECT_EQ(s.known_flags.size(), 4u);
    for (const auto& f : s.supported_flags) EXPECT_TRUE(has(s.known_flags, f)) << f;
    EXPECT_FALSE(s.libseccomp_version.empty());
}

TEST(SeccompFeatures, EverythingReportedCompiles) {
    Support s = probe_support();
    for (const auto& a : s.actions) {
        spec::Seccomp c{.default_action = "SCMP_ACT_ALLOW", .listener_path = "/run/agent.sock",
                        .syscalls = {{.names = {"mkdir"}, .action = a}}};
        auto p = compile(c);
        EXPECT_TRUE(p) << a << ": " << p.error().message();
    }
    for (const auto& arch : s.archs) {
        auto p = compile(spec::Seccomp{.default_action = "SCMP_ACT_ALLOW", .architectures = {arch}});
        EXPECT_TRUE(p) << arch << ": " << p.error().message();
    }
    for (const auto& f : s.supported_flags) {
        auto p = compile(spec::Seccomp{.default_action = "SCMP_ACT_ALLOW", .flags = {f}});
        EXPECT_TRUE(p) << f << ": " << p.error().message();
    }
}

}  // namespace
}  // namespace strata::security::seccomp
