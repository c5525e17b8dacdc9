#include "image/index.h"

#include <gtest/gtest.h>

namespace strata::image {
namespace {

ImageRecord record(char m, char c) {
    ImageRecord r;
    r.manifest = "sha256:" + std::string(64, m);
    r.config = "sha256:" + std::string(63, c) + "0";
    r.diff_ids = {"sha256:" + std::string(64, 'f')};
    return r;
}

TEST(Index, FindsByTagShortNameDigestAndIdPrefix) {
    Index idx;
    idx.add(record('1', 'a'), {"localhost/bb:latest"});
    idx.add(record('2', 'b'), {"docker.io/library/busybox:1"});
    EXPECT_EQ((*idx.find("bb"))->manifest, record('1', 'a').manifest);
    EXPECT_EQ((*idx.find("localhost/bb:latest"))->manifest, record('1', 'a').manifest);
    EXPECT_EQ((*idx.find("busybox:1"))->manifest, record('2', 'b').manifest);
    EXPECT_EQ((*idx.find(record('2', 'b').manifest))->config, record('2', 'b').config);
    EXPECT_EQ((*idx.find(record('2', 'b').config))->manifest, record('2', 'b').manifest);
    EXPECT_EQ((*idx.find("bbbb"))->manifest, record('2', 'b').manifest);
    auto missing = idx.find("nothere");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, ENOENT);
}

TEST(Index, ATagNamesOneImage) {
    Index idx;
    idx.add(record('1', 'a'), {"localhost/bb:latest"});
    idx.add(record('2', 'b'), {"localhost/bb:latest"});
    EXPECT_EQ((*idx.find("bb"))->manifest, record('2', 'b').manifest);
    EXPECT_TRUE(idx.names_of(record('1', 'a').manifest).empty());
}

TEST(Index, SameImageUnderAnotherManifestReplacesAnUnnamedOne) {
    Index idx;
    idx.add(record('1', 'a'), {"localhost/bb:latest"});
    idx.add(record('2', 'a'), {"localhost/bb:latest"});
    EXPECT_EQ(idx.images().size(), 1u);
}

TEST(Index, RoundTripsAndRefusesDigestsThatAreNotDigests) {
    Index idx;
    idx.add(record('1', 'a'), {"localhost/bb:latest"});
    auto back = Index::parse(idx.dump(), "index.json");
    ASSERT_TRUE(back) << back.error().message();
    EXPECT_EQ(back->tags().at("localhost/bb:latest"), record('1', 'a').manifest);
    std::string evil = R"({"images":{"sha256:../../../etc":{"config":"x","layers":[]}},"tags":{}})";
    EXPECT_FALSE(Index::parse(evil, "index.json"));
    EXPECT_FALSE(Index::parse("{", "index.json"));
}

TEST(Index, RemoveDropsTags) {
    Index idx;
    idx.add(record('1', 'a'), {"localhost/bb:latest", "localhost/bb:2"});
    idx.remove(record('1', 'a').manifest);
    EXPECT_TRUE(idx.tags().empty());
    EXPECT_TRUE(idx.images().empty());
}

}  // namespace
}  // namespace strata::image
