#include "sys/file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/openat2.h>
#include <unistd.h>

#include <cstdlib>

namespace strata::sys {
namespace {

class TempDir : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/strata-sys-test.XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir = tmpl;
    }
    void TearDown() override { ASSERT_TRUE(remove_tree(dir)); }
    std::string dir;
};

TEST(Paths, CleanAndJoin) {
    EXPECT_EQ(clean_path("/a//b/./c/"), "/a/b/c");
    EXPECT_EQ(clean_path("/../a/.."), "/");
    EXPECT_EQ(clean_path("a/../../b"), "../b");
    EXPECT_EQ(path_join("/root", "/etc/passwd"), "/root/etc/passwd");
    EXPECT_EQ(dirname("/a/b"), "/a");
    EXPECT_EQ(dirname("/a"), "/");
    EXPECT_EQ(basename("/a/b/"), "b");
}

TEST_F(TempDir, AtomicWriteReplacesWholeFile) {
    UniqueFd d = *open(dir, O_RDONLY | O_DIRECTORY);
    ASSERT_TRUE(write_file_atomic(d.get(), "state.json", "old"));
    ASSERT_TRUE(write_file_atomic(d.get(), "state.json", "new contents"));
    EXPECT_EQ(*read_file(dir + "/state.json"), "new contents");
    EXPECT_FALSE(exists(dir + "/.state.json.tmp"));
}

TEST_F(TempDir, RemoveTreeDoesNotFollowSymlinks) {
    ASSERT_TRUE(mkdir_all(dir + "/victim/keep", 0755));
    ASSERT_TRUE(mkdir_all(dir + "/tree/sub", 0755));
    ASSERT_EQ(symlink((dir + "/victim").c_str(), (dir + "/tree/sub/link").c_str()), 0);
    ASSERT_TRUE(remove_tree(dir + "/tree"));
    EXPECT_FALSE(exists(dir + "/tree"));
    EXPECT_TRUE(exists(dir + "/victim/keep"));
}

TEST_F(TempDir, OpenInRootKeepsSymlinksInside) {
    ASSERT_TRUE(mkdir_all(dir + "/root/etc", 0755));
    ASSERT_EQ(symlink("/etc", (dir + "/root/escape").c_str()), 0);
    UniqueFd root = *open(dir + "/root", O_PATH | O_DIRECTORY);
    auto fd = openat2(root.get(), "escape/passwd", O_PATH, RESOLVE_IN_ROOT);
    // /etc/passwd exists on the host but not in root/etc: resolution stayed inside.
    ASSERT_FALSE(fd);
    EXPECT_EQ(fd.error().code, ENOENT);
}

}  // namespace
}  // namespace strata::sys
