#include "runtime/container_dir.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "sys/file.h"

namespace strata::runtime {
namespace {

TEST(ContainerId, RuncRules) {
    EXPECT_TRUE(validate_id("abc-1_2+x.y"));
    EXPECT_FALSE(validate_id(""));
    EXPECT_FALSE(validate_id(".."));
    EXPECT_FALSE(validate_id("a/b"));
    EXPECT_FALSE(validate_id("a b"));
}

TEST(State, JsonRoundTrip) {
    State s;
    s.id = "x";
    s.status = Status::created;
    s.pid = 42;
    s.pid_start_time = 1234;
    s.bundle = "/b";
    s.annotations = {{"k", "v"}};
    auto back = State::from_json(s.to_json().dump(), "t");
    ASSERT_TRUE(back) << back.error().message();
    EXPECT_EQ(back->pid, 42);
    EXPECT_EQ(back->status, Status::created);
    EXPECT_EQ(back->annotations.at("k"), "v");
    auto pub = s.public_json(Status::stopped);
    EXPECT_EQ(pub["pid"], 0);
    EXPECT_EQ(pub["status"], "stopped");
    EXPECT_FALSE(State::from_json("{not json", "t"));
}

TEST(ContainerDir, DuplicateIdsAndRootsAreSeparate) {
    char tmpl[] = "/tmp/strata-root.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    std::string root = tmpl;
    {
        auto a = ContainerDir::create(root + "/r1", "c1");
        ASSERT_TRUE(a) << a.error().message();
        auto dup = ContainerDir::create(root + "/r1", "c1");
        ASSERT_FALSE(dup);
        EXPECT_EQ(dup.error().message(), "container \"c1\" already exists");
        auto other = ContainerDir::create(root + "/r2", "c1");
        EXPECT_TRUE(other);
        EXPECT_EQ(*list_ids(root + "/r1"), std::vector<std::string>{"c1"});
        ASSERT_TRUE(a->remove());
        EXPECT_TRUE(list_ids(root + "/r1")->empty());
        auto missing = ContainerDir::open(root + "/r1", "c1");
        ASSERT_FALSE(missing);
        EXPECT_EQ(missing.error().message(), "container \"c1\" does not exist");
    }
    ASSERT_TRUE(sys::remove_tree(root));
}

}  // namespace
}  // namespace strata::runtime
