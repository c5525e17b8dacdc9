#include "agent/cgroup.h"

#include <gtest/gtest.h>

namespace strata::agent {

TEST(AgentCgroup, V2WritesFromResources) {
    spec::Resources r;
    r.memory.emplace();
    r.memory->limit = 64ll << 20;
    r.memory->swap = 96ll << 20;
    r.cpu.emplace();
    r.cpu->shares = 1024;
    r.cpu->quota = 50000;
    r.cpu->period = 100000;
    r.cpu->cpus = "0";
    r.pids_limit = 32;
    auto w = cgroup_v2_writes(r);
    auto value = [&](const std::string& f) {
        for (auto& [k, v] : w)
            if (k == f) return v;
        return std::string("<unset>");
    };
    EXPECT_EQ(value("memory.max"), std::to_string(64ll << 20));
    EXPECT_EQ(value("memory.swap.max"), std::to_string(32ll << 20));  // v1 memsw = memory + swap
    EXPECT_EQ(value("cpu.weight"), "39");                              // runc's conversion of 1024
    EXPECT_EQ(value("cpu.max"), "50000 100000");
    EXPECT_EQ(value("cpuset.cpus"), "0");
    EXPECT_EQ(value("pids.max"), "32");
}

TEST(AgentCgroup, UnlimitedIsMax) {
    spec::Resources r;
    r.memory.emplace();
    r.memory->limit = -1;
    r.pids_limit = -1;
    auto w = cgroup_v2_writes(r);
    ASSERT_EQ(w.size(), 2u);
    EXPECT_EQ(w[0].second, "max");
    EXPECT_EQ(w[1].second, "max");
}

}  // namespace strata::agent
