#pragma once
// The common fixture of integration tests: root required, a private --root, a busybox bundle,
// and an end-of-test check that nothing of the test's containers is left behind.

#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include "tests/support/bundle.h"
#include "tests/support/cli.h"
#include "tests/support/require.h"

namespace strata::test {

class ContainerTest : public ::testing::Test {
protected:
    void SetUp() override {
        STRATA_REQUIRE_ROOT();
        bundle.emplace(Bundle::busybox());
    }
    void TearDown() override {
        if (!bundle) return;
        // Whatever a test did, delete what it left, then prove nothing remains.
        auto ids = strata({"list", "-q"});
        std::istringstream in(ids.out);
        std::string id;
        while (std::getline(in, id))
            if (!id.empty()) strata({"delete", "--force", id});
        EXPECT_EQ(mounts_containing(bundle->path()), std::vector<std::string>{});
        EXPECT_EQ(strata({"list", "-q"}).out, "");
    }
    std::string log_path() const { return root.path() + "/container.log"; }
    // Inits of this test's containers: forked from `strata --root <ours> ...`, so their command
    // line names our root (other tests and other checkouts may run containers meanwhile).
    std::vector<int> our_inits() const { return processes_matching("--root " + root.path()); }
    // Polls `cond` for up to `ms` milliseconds.
    template <class F>
    static bool eventually(F cond, int ms = 5000) {
        for (int i = 0; i < ms / 10; ++i) {
            if (cond()) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return cond();
    }
    // Exited: gone, or a zombie waiting for whichever process reaps orphans here.
    static bool gone_or_zombie(int pid) {
        std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
        auto close = stat.rfind(')');
        return stat.empty() || (close != std::string::npos && stat.substr(close + 2, 1) == "Z");
    }
    std::string status_of(const std::string& id) {
        auto r = strata({"state", id});
        if (r.status != 0) return "error: " + r.err;
        return nlohmann::json::parse(r.out).value("status", "");
    }

    TempDir root{"strata-root"};
    Strata strata{root.path()};
    std::optional<Bundle> bundle;
};

}  // namespace strata::test
