#include "cgroup/layout.h"

#include <gtest/gtest.h>

namespace strata::cgroup {
namespace {

// As read on this project's CI kind: v1 controllers plus a unified mount with only hugetlb.
constexpr const char* kHybridCgroup =
    "9:name=systemd:/\n8:pids:/\n4:memory:/process_api/e8b6\n2:cpuacct:/\n1:cpu:/\n0::/\n";
constexpr const char* kHybridMountinfo =
    "30 25 0:26 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755\n"
    "31 30 0:27 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"
    "32 30 0:28 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n"
    "33 30 0:29 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"
    "34 30 0:30 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
    "35 30 0:31 / /sys/fs/cgroup/cpuacct rw - cgroup cgroup rw,cpuacct\n"
    "36 30 0:32 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n";

TEST(Layout, DetectsHybrid) {
    auto l = parse_layout(kHybridCgroup, kHybridMountinfo);
    ASSERT_TRUE(l) << l.error().message();
    EXPECT_EQ(l->mode, Mode::hybrid);
    ASSERT_NE(l->find("memory"), nullptr);
    EXPECT_EQ(l->find("memory")->mount_point, "/sys/fs/cgroup/memory");
    EXPECT_EQ(l->find("memory")->own_path, "/process_api/e8b6");
    EXPECT_EQ(l->find("name=systemd")->mount_options(), "name=systemd");
    ASSERT_NE(l->unified_hierarchy(), nullptr);
    EXPECT_EQ(l->unified_hierarchy()->mount_point, "/sys/fs/cgroup/unified");
}

TEST(Layout, DetectsPureV2AndV1) {
    auto v2 = parse_layout("0::/user.slice\n", "40 25 0:33 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n");
    ASSERT_TRUE(v2);
    EXPECT_EQ(v2->mode, Mode::v2);
    EXPECT_EQ(v2->unified_hierarchy()->own_path, "/user.slice");
    auto v1 = parse_layout("3:cpu,cpuacct:/a\n", "41 25 0:34 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n");
    ASSERT_TRUE(v1);
    EXPECT_EQ(v1->mode, Mode::v1);
    EXPECT_EQ(v1->find("cpuacct")->mount_options(), "cpu,cpuacct");
}

TEST(Layout, RejectsGarbage) {
    EXPECT_FALSE(parse_layout("garbage\n", ""));
    EXPECT_FALSE(parse_layout("0::/\n", ""));
}

}  // namespace
}  // namespace strata::cgroup
