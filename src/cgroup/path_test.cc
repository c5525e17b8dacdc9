#include "cgroup/path.h"

#include <gtest/gtest.h>

namespace strata::cgroup {
namespace {

TEST(CgroupPath, AbsoluteIsFromTheHierarchyRoot) {
    Hierarchy mem{4, {"memory"}, "/sys/fs/cgroup/memory", "/process_api/e8b6"};
    EXPECT_EQ(cgroup_dir(mem, "/default/c1"), "/sys/fs/cgroup/memory/default/c1");
}

TEST(CgroupPath, RelativeIsUnderOwnCgroupOnV1AndBesideItOnV2) {
    Hierarchy mem{4, {"memory"}, "/sys/fs/cgroup/memory", "/process_api/e8b6"};
    EXPECT_EQ(cgroup_dir(mem, "strata/c1"), "/sys/fs/cgroup/memory/process_api/e8b6/strata/c1");
    Hierarchy uni{0, {}, "/sys/fs/cgroup", "/user.slice/session-2.scope"};
    EXPECT_EQ(cgroup_dir(uni, "strata/c1"), "/sys/fs/cgroup/user.slice/strata/c1");
    Hierarchy root_uni{0, {}, "/sys/fs/cgroup/unified", "/"};
    EXPECT_EQ(cgroup_dir(root_uni, default_cgroups_path("c1")), "/sys/fs/cgroup/unified/strata/c1");
}

}  // namespace
}  // namespace strata::cgroup
