#include "image/registry/auth.h"

#include <gtest/gtest.h>

#include "image/registry/http.h"

namespace strata::image::registry {
namespace {

TEST(Auth, ParsesBearerChallenge) {
    auto c = parse_challenge(R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull,push")");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->scheme, "bearer");
    EXPECT_EQ(c->param("realm"), "https://auth.docker.io/token");
    EXPECT_EQ(c->param("service"), "registry.docker.io");
    EXPECT_EQ(c->param("scope"), "repository:library/busybox:pull,push");  // the comma stays inside the quotes
}

TEST(Auth, ParsesBasicAndEscapes) {
    auto c = parse_challenge(R"(Basic realm="a \"quoted\" realm")");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->scheme, "basic");
    EXPECT_EQ(c->param("realm"), "a \"quoted\" realm");
    auto t = parse_challenge("Bearer realm=http://x/token, service=svc");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->param("realm"), "http://x/token");
    EXPECT_EQ(t->param("service"), "svc");
    EXPECT_FALSE(parse_challenge(R"(Bearer realm="unterminated)"));
}

TEST(Auth, TokenUrl) {
    auto c = parse_challenge(R"(Bearer realm="http://127.0.0.1:1/token",service="my svc")");
    ASSERT_TRUE(c);
    EXPECT_EQ(token_url(*c, "repository:bb:pull"), "http://127.0.0.1:1/token?service=my%20svc&scope=repository%3Abb%3Apull");
}

TEST(Auth, TokenResponse) {
    EXPECT_EQ(*parse_token_response(R"({"token":"abc"})"), "abc");
    EXPECT_EQ(*parse_token_response(R"({"access_token":"xyz","expires_in":60})"), "xyz");
    EXPECT_FALSE(parse_token_response(R"({"token":""})"));
    EXPECT_FALSE(parse_token_response("nope"));
}

TEST(Auth, Base64) {
    EXPECT_EQ(base64("strata:s3cret"), "c3RyYXRhOnMzY3JldA==");
    EXPECT_EQ(base64("ab"), "YWI=");
    EXPECT_EQ(base64("abc"), "YWJj");
    EXPECT_EQ(base64(""), "");
}

}  // namespace
}  // namespace strata::image::registry
