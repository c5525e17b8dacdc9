#include "vm/assets/cache.h"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>

#include "sys/file.h"

namespace strata::vm {
namespace {

class Cache : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/strata-cache-test.XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir = tmpl;
        setenv("STRATA_CACHE_DIR", dir.c_str(), 1);
    }
    void TearDown() override {
        unsetenv("STRATA_CACHE_DIR");
        (void)sys::remove_tree(dir);
    }
    // Sets an entry's last use `age` seconds back.
    void age(const std::string& path, long seconds) {
        timespec t[2] = {{std::time(nullptr) - seconds, 0}, {std::time(nullptr) - seconds, 0}};
        ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), t, 0), 0);
    }
    std::string dir;
};

Result<> write(const std::string& path, const std::string& data) {
    UniqueFd fd = STRATA_TRY(sys::open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644));
    return sys::write_all(fd.get(), data, path);
}

}  // namespace

TEST_F(Cache, BuildsOnceThenReuses) {
    int builds = 0;
    auto build = [&](const std::string& temp) -> Result<> {
        ++builds;
        return write(temp, "content");
    };
    bool built = false;
    auto a = cached("kind", "k1.bin", build, std::nullopt, &built);
    ASSERT_TRUE(a) << a.error().message();
    EXPECT_TRUE(built);
    EXPECT_EQ(*a, dir + "/kind/k1.bin");
    auto b = cached("kind", "k1.bin", build, std::nullopt, &built);
    ASSERT_TRUE(b);
    EXPECT_FALSE(built);
    EXPECT_EQ(builds, 1);
    EXPECT_EQ(*sys::read_file(*b), "content");
}

TEST_F(Cache, FailedBuildLeavesNothing) {
    auto r = cached("kind", "bad.bin", [](const std::string& temp) -> Result<> {
        (void)write(temp, "partial");
        return error("mkfs failed");
    });
    EXPECT_FALSE(r);
    auto left = sys::read_file(dir + "/kind/bad.bin");
    EXPECT_FALSE(left);
    EXPECT_EQ(std::system(("test -z \"$(ls -A " + dir + "/kind)\"").c_str()), 0);
}

TEST_F(Cache, ABuildPrunesToTheBudgetAndRemovesAbandonedTemps) {
    for (int i = 0; i < 3; ++i) {
        auto p = cached("kind", "e" + std::to_string(i), [](const std::string& t) { return write(t, "x"); });
        ASSERT_TRUE(p);
        age(*p, 3600 * (4 - i));
    }
    ASSERT_TRUE(write(dir + "/kind/.tmp-1-abandoned", "half"));
    age(dir + "/kind/.tmp-1-abandoned", 7200);
    ASSERT_TRUE(write(dir + "/kind/.tmp-2-in-progress", "half"));
    // A use prunes nothing; a build does.
    ASSERT_TRUE(cached("kind", "e2", [](const std::string&) -> Result<> { return error("not built"); }, CacheBudget{1, 1 << 30}));
    EXPECT_TRUE(sys::exists(dir + "/kind/e0"));
    ASSERT_TRUE(cached("kind", "e3", [](const std::string& t) { return write(t, "x"); }, CacheBudget{1, 1 << 30}));
    EXPECT_FALSE(sys::exists(dir + "/kind/e0"));
    EXPECT_FALSE(sys::exists(dir + "/kind/e1"));
    EXPECT_TRUE(sys::exists(dir + "/kind/e2")) << "used in the last minutes";
    EXPECT_TRUE(sys::exists(dir + "/kind/e3"));
    EXPECT_FALSE(sys::exists(dir + "/kind/.tmp-1-abandoned"));
    EXPECT_TRUE(sys::exists(dir + "/kind/.tmp-2-in-progress"));
}

TEST_F(Cache, PruneDropsLeastRecentlyUsedButNotFreshEntries) {
    for (int i = 0; i < 4; ++i) {
        auto p = cached("kind", "e" + std::to_string(i), [](const std::string& t) { return write(t, "x"); });
        ASSERT_TRUE(p);
        age(*p, 3600 * (4 - i));  // e0 oldest
    }
    prune("kind", 2, 1 << 30);
    EXPECT_FALSE(sys::exists(dir + "/kind/e0"));
    EXPECT_FALSE(sys::exists(dir + "/kind/e1"));
    EXPECT_TRUE(sys::exists(dir + "/kind/e2"));
    EXPECT_TRUE(sys::exists(dir + "/kind/e3"));
    // Entries used in the last minutes stay, whatever the limits.
    age(dir + "/kind/e2", 0);
    age(dir + "/kind/e3", 0);
    prune("kind", 0, 0);
    EXPECT_TRUE(sys::exists(dir + "/kind/e2"));
}

}  // namespace strata::vm
