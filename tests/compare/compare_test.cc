// strata compare, run for real: its numbers are sane, its JSON matches docs/compare.schema.json,
// its SVG is XML, and a substrate that cannot run shows as unavailable instead of aborting.

#include <filesystem>

#include "tests/support/bundle.h"
#include "tests/support/cli.h"
#include "tests/support/json_schema.h"
#include "tests/support/require.h"

namespace strata::test {
namespace {

nlohmann::json schema() { return nlohmann::json::parse(read_text(STRATA_SOURCE_DIR "/docs/compare.schema.json")); }

const nlohmann::json* column(const nlohmann::json& doc, const std::string& key) {
    for (const auto& c : doc["columns"])
        if (c["key"] == key) return &c;
    return nullptr;
}

TEST(JsonSchema, TheCheckerCatchesViolations) {
    auto s = schema();
    nlohmann::json doc = {{"schemaVersion", 2}};
    auto errs = validate_json(doc, s);
    EXPECT_FALSE(errs.empty());
    std::string why;
    EXPECT_TRUE(xml_well_formed("<?xml version=\"1.0\"?><svg a=\"1\"><g><rect/></g></svg>", &why)) << why;
    EXPECT_FALSE(xml_well_formed("<svg><g></svg>", &why));
}

class Compare : public ::testing::Test {
protected:
    void SetUp() override { STRATA_REQUIRE_ROOT(); }
};

TEST_F(Compare, ContainersAgainstBareMetalAndPeers) {
    TempDir out("strata-compare-test");
    std::string svg = out.path() + "/chart.svg";
    auto r = run_cmd({strata_bin(), "compare", "--json", "--only", "bare,container,crun,runc", "-n", "8", "--svg", svg, "--budget", "1024"},
                     "", std::chrono::minutes(5));
    ASSERT_EQ(r.status, 0) << r.err;
    auto doc = nlohmann::json::parse(r.out);
    auto errs = validate_json(doc, schema());
    EXPECT_TRUE(errs.empty()) << errs.front();
    const auto* bare = column(doc, "bare");
    const auto* ctr = column(doc, "container");
    ASSERT_TRUE(bare && ctr);
    ASSERT_TRUE((*bare)["available"].get<bool>()) << bare->dump();
    ASSERT_TRUE((*ctr)["available"].get<bool>()) << ctr->dump();
    // Sane, not exact: this machine is shared and noisy, so the ordering is checked on the
    // minimum, which noise cannot lower.
    EXPECT_LT((*bare)["startup"]["exitMs"]["min"].get<double>(), (*ctr)["startup"]["exitMs"]["min"].get<double>());
    for (const auto* c : {bare, ctr}) {
        EXPECT_GE((*c)["cpu"]["computeRatio"].get<double>(), 0.8) << c->dump();
        EXPECT_GE((*c)["cpu"]["syscallRatio"].get<double>(), 0.8) << c->dump();
        // Counted, not projected: an idle container is well under 1 MiB, so 1 GiB holds the cap
        // (200), all running at once.
        EXPECT_EQ((*c)["density"]["started"].get<int>(), 200) << c->dump();
        EXPECT_EQ((*c)["density"]["stoppedBy"], "cap") << c->dump();
        EXPECT_LE((*c)["density"]["usedMiB"].get<double>(), 1024) << c->dump();
        EXPECT_GT((*c)["density"]["projected"].get<int>(), 200);
        EXPECT_GT((*c)["pssMiB"].get<double>(), 0) << c->dump();
        EXPECT_GT((*c)["cgroupKernelMiB"].get<double>(), 0) << "no kernel memory of the instance's own cgroup: " << c->dump();
        EXPECT_GT((*c)["io"]["rootfs"]["writeMBps"].get<double>(), 0);
        EXPECT_GT((*c)["io"]["hostDir"]["readMBps"].get<double>(), 0);
    }
    // On a hybrid host crun runs in its "v1 view" wrapper, whose cost is measured beside it.
    if (const auto* crun = column(doc, "crun"); crun && (*crun)["available"].get<bool>() &&
                                                 (*crun)["title"].get<std::string>().find("v1 view") != std::string::npos) {
        ASSERT_TRUE((*crun)["startup"].contains("wrapperMs")) << crun->dump();
        EXPECT_GT((*crun)["startup"]["wrapperMs"]["wrapped"]["n"].get<int>(), 0);
        EXPECT_LT((*crun)["startup"]["wrapperMs"]["median"].get<double>(), (*crun)["startup"]["exitMs"]["median"].get<double>());
    }
    // Isolation facts come from what was applied.
    EXPECT_EQ((*bare)["isolation"]["namespaces"].size(), 0u);
    EXPECT_EQ((*ctr)["isolation"]["seccomp"], "filter");
    EXPECT_EQ((*ctr)["isolation"]["capabilities"], 3);
    auto ns = (*ctr)["isolation"]["namespaces"].get<std::vector<std::string>>();
    EXPECT_NE(std::find(ns.begin(), ns.end(), "pid"), ns.end());
    std::string why;
    std::string xml = read_text(svg);
    EXPECT_TRUE(xml_well_formed(xml, &why)) << why;
    EXPECT_NE(xml.find("<svg"), std::string::npos);
    EXPECT_NE(xml.find("container (strata)"), std::string::npos);
}

TEST_F(Compare, AnUnavailableSubstrateIsReportedNotFatal) {
    // QEMU hidden in a private mount namespace: the micro-VM column cannot run there.
    auto r = run_cmd({"unshare", "-m", "sh", "-c",
                      "mount --bind /dev/null /usr/bin/qemu-system-x86_64 2>/dev/null; exec \"$@\"", "sh", strata_bin(),
                      "compare", "--json", "--only", "bare,vm", "-n", "2"},
                     "", std::chrono::minutes(5));
    ASSERT_EQ(r.status, 0) << r.err;
    auto doc = nlohmann::json::parse(r.out);
    EXPECT_TRUE(validate_json(doc, schema()).empty());
    const auto* vm = column(doc, "vm");
    ASSERT_TRUE(vm);
    EXPECT_FALSE((*vm)["available"].get<bool>());
    EXPECT_FALSE((*vm)["unavailableReason"].get<std::string>().empty());
    EXPECT_TRUE((*column(doc, "bare"))["available"].get<bool>());
}

}  // namespace
}  // namespace strata::test
