// strata pull: from Debian's docker-registry on loopback, pushed to with skopeo from a local OCI
// layout; plain HTTP, HTTPS, htpasswd (Basic) and token (Bearer) authentication.

#include "base/strings.h"
#include "tests/image/fixture.h"
#include "tests/image/registry.h"

namespace strata::test {
namespace {

using json = nlohmann::json;

class Pull : public ImageTest {
protected:
    // The registry, with busybox + two small layers pushed as NAME:latest.
    std::unique_ptr<LocalRegistry> registry(LocalRegistry::Options o, const std::string& name = "bb") {
        std::string why;
        auto reg = LocalRegistry::start(o, &why);
        if (!reg) return nullptr;
        OciLayout l(dir("push-" + name));
        l.add_image({{busybox_tar(), "gzip"},
                     {TarWriter().file("one", "1").finish(), "zstd"},
                     {TarWriter().file("two", "2").finish(), "none"}},
                    {{"Cmd", {"cat", "/one", "/two"}}}, "latest");
        auto p = reg->push(l.path(), "latest", name + ":latest");
        EXPECT_EQ(p.status, 0) << p.err << reg->log();
        return reg;
    }
    std::string why_not(const LocalRegistry::Options& o) {
        std::string why;
        auto r = LocalRegistry::start(o, &why);
        return r ? "" : why;
    }
};

#define START_REGISTRY(var, opts)                                              \
    std::string var##_why;                                                     \
    auto var = registry(opts);                                                 \
    if (!var) {                                                                \
        var##_why = why_not(opts);                                             \
        STRATA_REQUIRE(false, "local registry: " + var##_why);                 \
    }

TEST_F(Pull, PlainHttpAndLayersAlreadyPresentAreSkipped) {
    START_REGISTRY(reg, LocalRegistry::Options{});
    std::string ref = reg->host() + "/bb:latest";
    auto p = strata({"pull", ref});
    ASSERT_EQ(p.status, 0) << p.err << reg->log();
    EXPECT_EQ(split_nonempty(p.err, '\n').size(), 4u) << p.err;  // three "Copying blob" lines + the manifest
    auto r = strata({"run", "--rm", ref});
    EXPECT_EQ(r.out, "12") << r.err;
    auto again = strata({"pull", ref});
    ASSERT_EQ(again.status, 0) << again.err;
    EXPECT_NE(again.err.find("3 of 3 layers already present"), std::string::npos) << again.err;
    EXPECT_EQ(again.err.find("Copying blob"), std::string::npos) << again.err;
    // By digest, too.
    auto inspect = json::parse(strata({"image", "inspect", ref}).out);
    auto byd = strata({"pull", reg->host() + "/bb@" + inspect[0]["Digest"].get<std::string>()});
    EXPECT_EQ(byd.status, 0) << byd.err;
    auto missing = strata({"pull", reg->host() + "/nothing:here"});
    EXPECT_EQ(missing.status, 1);
    EXPECT_NE(missing.err.find("MANIFEST_UNKNOWN"), std::string::npos) << missing.err;
}

// run pulls what the store lacks (Podman's --pull missing) and, with --pull always, pulls again.
TEST_F(Pull, RunPullsAMissingImage) {
    START_REGISTRY(reg, LocalRegistry::Options{});
    std::string ref = reg->host() + "/bb:latest";
    auto r = strata({"run", "--rm", ref});
    ASSERT_EQ(r.status, 0) << r.err << reg->log();
    EXPECT_EQ(r.out, "12");
    EXPECT_NE(r.err.find("Pulling " + ref), std::string::npos) << r.err;
    r = strata({"run", "--rm", ref});
    EXPECT_EQ(r.out, "12");
    EXPECT_EQ(r.err.find("Pulling"), std::string::npos) << r.err;
    r = strata({"run", "--rm", "--pull", "always", ref});
    EXPECT_EQ(r.out, "12");
    EXPECT_NE(r.err.find("3 of 3 layers already present"), std::string::npos) << r.err;
    auto missing = strata({"run", "--rm", reg->host() + "/nothing:here"});
    EXPECT_EQ(missing.status, 1);
    EXPECT_NE(missing.err.find("not in the store; pull"), std::string::npos) << missing.err;
    EXPECT_NE(missing.err.find("MANIFEST_UNKNOWN"), std::string::npos) << missing.err;
    EXPECT_EQ(ls(data() + "/containers"), "");
}

TEST_F(Pull, BasicAuthWithHtpasswd) {
    START_REGISTRY(reg, (LocalRegistry::Options{.auth = LocalRegistry::Auth::basic}));
    std::string ref = reg->host() + "/bb:latest";
    auto anon = strata({"pull", ref});
    EXPECT_EQ(anon.status, 1);
    EXPECT_NE(anon.err.find("requires a login"), std::string::npos) << anon.err;
    auto wrong = strata({"pull", "--creds", "strata:wrong", ref});
    EXPECT_EQ(wrong.status, 1);
    EXPECT_NE(wrong.err.find("401"), std::string::npos) << wrong.err;
    auto ok = strata({"pull", "--creds", "strata:s3cret", ref});
    ASSERT_EQ(ok.status, 0) << ok.err << reg->log();
    EXPECT_EQ(strata({"run", "--rm", ref}).out, "12");
}

TEST_F(Pull, BearerTokenFromTheTokenEndpoint) {
    START_REGISTRY(reg, (LocalRegistry::Options{.auth = LocalRegistry::Auth::token}));
    std::string ref = reg->host() + "/bb:latest";
    int before = reg->token_requests();
    auto anon = strata({"pull", ref});
    EXPECT_EQ(anon.status, 1);
    EXPECT_NE(anon.err.find("refused an anonymous pull"), std::string::npos) << anon.err;
    auto ok = strata({"pull", "--creds", "strata:s3cret", ref});
    ASSERT_EQ(ok.status, 0) << ok.err << reg->log();
    EXPECT_GT(reg->token_requests(), before + 1);
    EXPECT_EQ(strata({"run", "--rm", ref}).out, "12");
}

TEST_F(Pull, HttpsWithASelfSignedCertificate) {
    START_REGISTRY(reg, (LocalRegistry::Options{.tls = true}));
    std::string ref = reg->host() + "/bb:latest";
    auto refused = strata({"pull", ref});
    EXPECT_EQ(refused.status, 1);
    EXPECT_NE(refused.err.find("--tls-verify=false"), std::string::npos) << refused.err;
    auto ok = strata({"pull", "--tls-verify=false", ref});
    ASSERT_EQ(ok.status, 0) << ok.err << reg->log();
}

TEST_F(Pull, ManifestListResolvesToLinuxAmd64) {
    std::string why;
    auto reg = LocalRegistry::start({}, &why);
    STRATA_REQUIRE(reg != nullptr, "local registry: " + why);
    OciLayout l(dir("multi"));
    auto amd = l.add_image({{busybox_tar(), "gzip"}, {TarWriter().file("arch", "amd64").finish(), "gzip"}},
                           {{"Cmd", {"cat", "/arch"}}}, "", false, "amd64");
    auto arm = l.add_image({{TarWriter().file("arch", "arm64").finish(), "gzip"}}, {}, "", false, "arm64");
    l.add_index({arm, amd}, "latest");
    auto p = reg->push(l.path(), "latest", "multi:latest", true);
    ASSERT_EQ(p.status, 0) << p.err;
    auto r = strata({"pull", reg->host() + "/multi:latest"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(strata({"run", "--rm", reg->host() + "/multi"}).out, "amd64");
}

}  // namespace
}  // namespace strata::test
