#include "image/reference.h"

#include <gtest/gtest.h>

namespace strata::image {
namespace {

TEST(Reference, DockerHubShortNames) {
    auto r = parse_reference("busybox");
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r->registry, "docker.io");
    EXPECT_EQ(r->repository, "library/busybox");
    EXPECT_EQ(r->tag, "latest");
    EXPECT_EQ(r->str(), "docker.io/library/busybox:latest");
    EXPECT_EQ(r->api_host(), "registry-1.docker.io");
    EXPECT_EQ(parse_reference("team/app:1.2")->str(), "docker.io/team/app:1.2");
}

TEST(Reference, RegistryHostsAndPorts) {
    auto r = parse_reference("localhost:5000/busybox:latest");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->registry, "localhost:5000");
    EXPECT_EQ(r->repository, "busybox");
    EXPECT_EQ(r->api_host(), "localhost:5000");
    // A port is not a tag.
    auto p = parse_reference("127.0.0.1:5000/a/b");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->registry, "127.0.0.1:5000");
    EXPECT_EQ(p->repository, "a/b");
    EXPECT_EQ(p->tag, "latest");
    EXPECT_EQ(parse_reference("localhost/bb")->registry, "localhost");
    EXPECT_EQ(parse_reference("quay.io/x/y:v1")->str(), "quay.io/x/y:v1");
}

TEST(Reference, LocalDefaultRegistry) {
    EXPECT_EQ(parse_reference("bb:1", "localhost")->str(), "localhost/bb:1");
    EXPECT_EQ(parse_reference("team/bb", "localhost")->str(), "localhost/team/bb:latest");
}

TEST(Reference, Digests) {
    std::string d = "sha256:" + std::string(64, 'a');
    auto r = parse_reference("reg.io/x@" + d);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->digest, d);
    EXPECT_EQ(r->tag, "");
    EXPECT_EQ(r->str(), "reg.io/x@" + d);
    EXPECT_FALSE(parse_reference("reg.io/x@sha256:abc"));
    EXPECT_FALSE(parse_reference("reg.io/x@md5:" + std::string(32, 'a')));
}

TEST(Reference, RejectsMalformedNames) {
    for (const char* bad : {"", "UPPER/case", "a//b", "x:", "x:-bad", "-x", "a/../b", "a b"})
        EXPECT_FALSE(parse_reference(bad)) << bad;
}

TEST(Reference, IdPrefixes) {
    EXPECT_TRUE(looks_like_id("568e82"));
    EXPECT_TRUE(looks_like_id("sha256:568e826b"));
    EXPECT_FALSE(looks_like_id("56"));
    EXPECT_FALSE(looks_like_id("busybox"));
}

}  // namespace
}  // namespace strata::image
