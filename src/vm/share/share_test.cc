#include "vm/share/share.h"

#include <linux/mount.h>

#include <gtest/gtest.h>

#include "vm/protocol/spec_codec.h"

namespace strata::vm {

TEST(Share, PlansEveryBindButShmWithItsIndexAndAnchorsRelativeSources) {
    spec::Spec s;
    s.mounts.push_back({"/proc", "proc", "proc", {}, {}, {}});
    s.mounts.push_back({"/data", "bind", "/srv/data", {"rbind", "ro"}, {}, {}});
    s.mounts.push_back({"/dev/shm", "bind", "/run/x/shm", {"bind"}, {}, {}});
    s.mounts.push_back({"/etc/hosts", "", "hosts", {"bind", "rro"}, {}, {}});
    s.mounts.push_back({"/rw", "bind", "/srv/rw", {"bind", "nosuid", "nodev"}, {}, {}});
    auto p = plan_share(s, "/bundle");
    ASSERT_TRUE(p) << p.error().message();
    ASSERT_EQ(p->size(), 3u);
    EXPECT_EQ((*p)[0].index, 1u);
    EXPECT_EQ((*p)[0].source, "/srv/data");
    EXPECT_TRUE((*p)[0].readonly);
    EXPECT_TRUE((*p)[0].recursive);
    EXPECT_EQ((*p)[0].attrs, unsigned(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV));  // nodev always, on the host
    EXPECT_EQ((*p)[1].index, 3u);
    EXPECT_EQ((*p)[1].source, "/bundle/hosts");
    EXPECT_TRUE((*p)[1].readonly);
    EXPECT_FALSE((*p)[1].recursive);
    EXPECT_EQ((*p)[2].index, 4u);
    EXPECT_FALSE((*p)[2].readonly);
    EXPECT_EQ((*p)[2].attrs, unsigned(MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV));
}

TEST(Share, ShmSizeDefaultsWithoutATmpfsSource) {
    spec::Spec s;
    s.mounts.push_back({"/dev/shm", "bind", "/nonexistent-shm", {"bind"}, {}, {}});
    EXPECT_EQ(guest_shm_bytes(s, "/"), agent::kDefaultShmBytes);
}

}  // namespace strata::vm
