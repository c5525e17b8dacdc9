#include "image/run_spec.h"

#include <gtest/gtest.h>

#include <map>

namespace strata::image {
namespace {

using json = nlohmann::json;

const std::string kPasswd = "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n";
const std::string kGroup = "root:x:0:\napp:x:1001:\nwheel:x:10:app,other\n";

TEST(RunSpec, EntrypointCmdAndCommandLine) {
    json cfg = {{"Entrypoint", {"/bin/tini", "--"}}, {"Cmd", {"nginx"}}};
    RunSpecOptions o;
    auto s = container_spec(cfg, o, {});
    ASSERT_TRUE(s) << s.error().message();
    EXPECT_EQ((*s)["process"]["args"], json({"/bin/tini", "--", "nginx"}));
    o.command = {"sh", "-c", "true"};
    EXPECT_EQ((*container_spec(cfg, o, {}))["process"]["args"], json({"/bin/tini", "--", "sh", "-c", "true"}));
    EXPECT_FALSE(container_spec(json::object(), RunSpecOptions{}, {}));
}

TEST(RunSpec, EnvMergesDefaultImageAndFlags) {
    json cfg = {{"Cmd", {"sh"}}, {"Env", {"PATH=/opt/bin", "A=1"}}};
    RunSpecOptions o;
    o.env = {"A=2", "B=3"};
    auto env = (*container_spec(cfg, o, {}))["process"]["env"].get<std::vector<std::string>>();
    EXPECT_EQ(env, (std::vector<std::string>{"PATH=/opt/bin", "TERM=xterm", "A=2", "B=3"}));
}

TEST(RunSpec, WorkdirRootVolumesResourcesAnnotations) {
    json cfg = {{"Cmd", {"sh"}}, {"WorkingDir", "srv"}};
    RunSpecOptions o;
    o.read_only = true;
    o.volumes = {"/data:/mnt/data:ro", "/x:/y"};
    o.memory = 64 << 20;
    o.cpus = 1.5;
    o.image_name = "localhost/bb:1";
    auto s = *container_spec(cfg, o, {});
    EXPECT_EQ(s["process"]["cwd"], "/srv");
    EXPECT_EQ(s["process"]["terminal"], false);
    EXPECT_EQ(s["root"]["readonly"], true);
    EXPECT_EQ(s["root"]["path"], "rootfs");
    auto& mounts = s["mounts"];
    EXPECT_EQ(mounts[mounts.size() - 2]["options"], json({"rbind", "rprivate", "ro"}));
    EXPECT_EQ(mounts.back()["destination"], "/y");
    EXPECT_EQ(s["linux"]["resources"]["memory"]["limit"], 64 << 20);
    EXPECT_EQ(s["linux"]["resources"]["cpu"]["quota"], 150000);
    EXPECT_EQ(s["annotations"]["org.strata.image"], "localhost/bb:1");
    o.volumes = {"relative:/x"};
    EXPECT_FALSE(container_spec(cfg, o, {}));
}

TEST(RunSpec, NonRootKeepsCapabilitiesOnlyInTheBoundingSet) {
    auto s = *container_spec({{"Cmd", {"sh"}}}, {}, UserIds{1000, 1000, {}});
    EXPECT_EQ(s["process"]["user"]["uid"], 1000);
    EXPECT_TRUE(s["process"]["capabilities"]["effective"].empty());
    EXPECT_FALSE(s["process"]["capabilities"]["bounding"].empty());
    auto root = *container_spec({{"Cmd", {"sh"}}}, {}, UserIds{});
    EXPECT_FALSE(root["process"]["capabilities"]["effective"].empty());
    EXPECT_TRUE(root["process"]["capabilities"]["ambient"].empty());
}

TEST(RunSpec, ResolvesUsers) {
    auto a = resolve_user("app", kPasswd, kGroup);
    ASSERT_TRUE(a) << a.error().message();
    EXPECT_EQ(a->uid, 1000u);
    EXPECT_EQ(a->gid, 1001u);
    EXPECT_EQ(a->additional_gids, std::vector<uint32_t>{10});
    auto g = resolve_user("app:wheel", kPasswd, kGroup);
    EXPECT_EQ(g->gid, 10u);
    auto n = resolve_user("4242:7", "", "");
    EXPECT_EQ(n->uid, 4242u);
    EXPECT_EQ(n->gid, 7u);
    EXPECT_EQ(resolve_user("4242", "", "")->gid, 0u);
    EXPECT_FALSE(resolve_user("nobody-here", kPasswd, kGroup));
    EXPECT_FALSE(resolve_user("app:nogroup", kPasswd, kGroup));
}

TEST(RunSpec, HostsHostnameAndResolvConfUnlessAVolumeTakesThem) {
    RunSpecOptions o;
    o.identity_dir = "/store/containers/c1";
    o.volumes = {"/srv/resolv:/etc/resolv.conf:ro"};
    auto s = *container_spec(json{{"Cmd", {"sh"}}}, o, {});
    std::map<std::string, std::string> sources;
    for (const auto& m : s["mounts"]) sources[m["destination"]] = m["source"];
    EXPECT_EQ(sources["/etc/hosts"], "/store/containers/c1/hosts");
    EXPECT_EQ(sources["/etc/hostname"], "/store/containers/c1/hostname");
    EXPECT_EQ(sources["/etc/resolv.conf"], "/srv/resolv");
    EXPECT_EQ(hosts_file("web"), "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\tweb\n");
    EXPECT_EQ(container_resolv_conf("# managed\nnameserver 127.0.0.53\nnameserver 10.0.0.2\nsearch lan\n"),
              "# managed\nnameserver 10.0.0.2\nsearch lan\n");
}

}  // namespace
}  // namespace strata::image
