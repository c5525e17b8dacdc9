#include "rootfs/mount_plan.h"

#include <gtest/gtest.h>
#include <sys/mount.h>

namespace strata::rootfs {
namespace {

spec::Mount m(std::string dst, std::string type, std::string src, std::vector<std::string> opts) {
    spec::Mount x;
    x.destination = dst;
    x.type = type;
    x.source = src;
    x.options = opts;
    return x;
}

TEST(MountPlan, FilesystemOptionsSplitIntoAttributesAndData) {
    auto op = plan_mount(m("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}), "/b", 0);
    ASSERT_TRUE(op) << op.error().message();
    EXPECT_EQ(op->kind, MountOp::Kind::filesystem);
    EXPECT_TRUE(op->attr_set & MOUNT_ATTR_NOSUID);
    EXPECT_EQ(op->attr_set & MOUNT_ATTR__ATIME, MOUNT_ATTR_STRICTATIME);
    EXPECT_EQ(op->fs_options, (std::vector<std::string>{"mode=755", "size=65536k"}));
}

TEST(MountPlan, BindSourcesAreAnchoredAtTheBundle) {
    auto op = plan_mount(m("/data/", "bind", "data", {"rbind", "ro", "rprivate"}), "/b", 0);
    ASSERT_TRUE(op);
    EXPECT_EQ(op->kind, MountOp::Kind::bind);
    EXPECT_TRUE(op->recursive);
    EXPECT_EQ(op->source, "/b/data");
    EXPECT_EQ(op->destination, "/data");
    EXPECT_TRUE(op->attr_set & MOUNT_ATTR_RDONLY);
    EXPECT_EQ(op->propagation, static_cast<unsigned long>(MS_PRIVATE));
    EXPECT_TRUE(op->propagation_recursive);
}

TEST(MountPlan, RecursiveAttributes) {
    auto op = plan_mount(m("/x", "", "/host", {"bind", "rro", "rnosuid"}), "/b", 0);
    ASSERT_TRUE(op);
    EXPECT_TRUE(op->rec_attr_set & MOUNT_ATTR_RDONLY);
    EXPECT_TRUE(op->rec_attr_set & MOUNT_ATTR_NOSUID);
    EXPECT_FALSE(op->attr_set & MOUNT_ATTR_RDONLY);
}

TEST(MountPlan, DestinationsAreCleanedNotResolved) {
    auto op = plan_mount(m("../../etc", "tmpfs", "tmpfs", {}), "/b", 0);
    ASSERT_TRUE(op);
    EXPECT_EQ(op->destination, "/etc");  // ".." cannot climb above the rootfs
}

TEST(MountPlan, Errors) {
    auto no_src = plan_mount(m("/x", "bind", "", {}), "/b", 3);
    ASSERT_FALSE(no_src);
    EXPECT_EQ(no_src.error().message(), "config.json: .mounts[3].source: a bind mount needs a source");
    auto no_type = plan_mount(m("/x", "", "", {}), "/b", 1);
    ASSERT_FALSE(no_type);
    EXPECT_EQ(no_type.error().message(), "config.json: .mounts[1].type: needed for a mount that is not a bind mount");
}

TEST(MountPlan, FilesystemOptionsOnABindAreIgnored) {
    // runc and crun ignore them; so does strata (with a --debug line).
    auto op = plan_mount(m("/x", "bind", "/y", {"mode=755", "size=64k", "ro"}), "/b", 0);
    ASSERT_TRUE(op);
    EXPECT_EQ(op->kind, MountOp::Kind::bind);
    EXPECT_TRUE(op->fs_options.empty());
    EXPECT_EQ(op->attr_set & MOUNT_ATTR_RDONLY, unsigned(MOUNT_ATTR_RDONLY));
}

}  // namespace
}  // namespace strata::rootfs
