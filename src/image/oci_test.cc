#include "image/oci.h"

#include <gtest/gtest.h>

#include "image/digest.h"

namespace strata::image {
namespace {

using json = nlohmann::json;

const std::string kD1 = "sha256:" + std::string(64, '1');
const std::string kD2 = "sha256:" + std::string(64, '2');

TEST(Digest, Sha256KnownVector) {
    auto d = sha256_of("abc");
    ASSERT_TRUE(d) << d.error().message();
    EXPECT_EQ(*d, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_TRUE(valid_digest(*d));
    EXPECT_FALSE(valid_digest("sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"));
    EXPECT_FALSE(valid_digest("sha256:../../../../etc/passwd"));
}

TEST(Oci, ParsesManifest) {
    json m = {{"schemaVersion", 2},
              {"mediaType", media::oci_manifest},
              {"config", {{"mediaType", media::oci_config}, {"digest", kD1}, {"size", 10}}},
              {"layers", {{{"mediaType", media::oci_layer_gzip}, {"digest", kD2}, {"size", 20}}}}};
    auto r = parse_manifest(m.dump(), "m");
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r->config.digest, kD1);
    ASSERT_EQ(r->layers.size(), 1u);
    EXPECT_EQ(r->layers[0].size, 20);
    EXPECT_EQ(*layer_compression(r->layers[0].media_type), Compression::gzip);
}

TEST(Oci, RefusesBadManifests) {
    json m = {{"schemaVersion", 2},
              {"mediaType", media::oci_manifest},
              {"config", {{"mediaType", media::oci_config}, {"digest", "sha256:../../x"}, {"size", 10}}},
              {"layers", json::array()}};
    EXPECT_FALSE(parse_manifest(m.dump(), "m"));
    m["config"]["digest"] = kD1;
    m["schemaVersion"] = 1;
    EXPECT_FALSE(parse_manifest(m.dump(), "m"));
    EXPECT_FALSE(parse_manifest("not json", "m"));
    EXPECT_FALSE(parse_manifest("[]", "m"));
}

TEST(Oci, LayerMediaTypes) {
    EXPECT_EQ(*layer_compression("application/vnd.oci.image.layer.v1.tar"), Compression::none);
    EXPECT_EQ(*layer_compression("application/vnd.oci.image.layer.v1.tar+zstd"), Compression::zstd);
    EXPECT_EQ(*layer_compression("application/vnd.docker.image.rootfs.diff.tar.gzip"), Compression::gzip);
    EXPECT_FALSE(layer_compression("application/vnd.oci.image.layer.v1.tar+bzip2"));
}

TEST(Oci, SelectsLinuxAmd64FromAnIndex) {
    json idx = {{"schemaVersion", 2},
                {"manifests",
                 {{{"mediaType", media::oci_manifest}, {"digest", kD1}, {"size", 1}, {"platform", {{"os", "linux"}, {"architecture", "arm64"}}}},
                  {{"mediaType", media::oci_manifest}, {"digest", kD2}, {"size", 1}, {"platform", {{"os", "linux"}, {"architecture", "amd64"}}}}}}};
    auto i = parse_oci_index(idx.dump(), "idx");
    ASSERT_TRUE(i);
    EXPECT_EQ(document_type(idx), media::oci_index);
    auto d = select_platform(*i, "linux", "amd64", "idx");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->digest, kD2);
    auto none = select_platform(*i, "linux", "s390x", "idx");
    ASSERT_FALSE(none);
    EXPECT_NE(none.error().context.find("has linux/arm64, linux/amd64"), std::string::npos) << none.error().context;
}

TEST(Oci, ImageConfigDiffIds) {
    json c = {{"architecture", "amd64"}, {"os", "linux"}, {"config", {{"Cmd", {"sh"}}}},
              {"rootfs", {{"type", "layers"}, {"diff_ids", {kD1, kD2}}}}};
    auto r = parse_image_config(c.dump(), "c");
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r->diff_ids.size(), 2u);
    EXPECT_EQ(r->config["Cmd"][0], "sh");
    c["rootfs"]["diff_ids"][1] = "sha256:short";
    EXPECT_FALSE(parse_image_config(c.dump(), "c"));
}

TEST(Oci, DockerArchiveManifest) {
    auto r = parse_docker_archive_manifest(R"([{"Config":"abc.json","RepoTags":["bb:latest"],"Layers":["x/layer.tar"]}])");
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)[0].config, "abc.json");
    EXPECT_EQ((*r)[0].repo_tags[0], "bb:latest");
    EXPECT_FALSE(parse_docker_archive_manifest("[]"));
}

}  // namespace
}  // namespace strata::image
