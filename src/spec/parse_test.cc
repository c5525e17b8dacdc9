#include "spec/parse.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "spec/default_spec.h"

namespace strata::spec {
namespace {

using json = nlohmann::json;

json base() { return default_spec({}); }

std::string error_of(const json& j) {
    auto r = parse_config(j.dump());
    return r ? "" : r.error().message();
}

TEST(Parse, DefaultSpecRoundTrips) {
    auto r = parse_config(default_spec_json({}));
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r->root.path, "rootfs");
    EXPECT_TRUE(r->root.readonly);
    ASSERT_TRUE(r->process);
    EXPECT_EQ(r->process->args, std::vector<std::string>{"sh"});
    EXPECT_TRUE(r->process->no_new_privileges);
    EXPECT_TRUE(r->process->capabilities->inheritable.empty());
    EXPECT_TRUE(r->has_namespace("pid"));
    EXPECT_FALSE(r->has_namespace("user"));
    EXPECT_EQ(r->mounts.size(), 7u);
    EXPECT_TRUE(parse_config(default_spec_json({.hardened = true})));
    EXPECT_TRUE(parse_config(default_spec_json({.rootless = true, .rootless_uid = 1000, .rootless_gid = 1000})));
}

TEST(Parse, InvalidJsonNamesFileAndPosition) {
    auto r = parse_config("{\"ociVersion\": ", "b/config.json");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("b/config.json: invalid JSON"), std::string::npos) << r.error().message();
    EXPECT_NE(r.error().message().find("line 1"), std::string::npos) << r.error().message();
}

TEST(Parse, NumberTooLargeForADoubleIsAnErrorNotACrash) {
    auto r = parse_config("{\"ociVersion\": \"1.2.0\", \"x\": 1e400}", "b/config.json");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message(), "b/config.json: invalid JSON: number overflow parsing '1e400'");
}

TEST(Parse, MissingRequiredField) {
    json j = base();
    j.erase("root");
    EXPECT_EQ(error_of(j), "config.json: .root: is required");
    j = base();
    j.erase("ociVersion");
    EXPECT_EQ(error_of(j), "config.json: .ociVersion: is required");
}

TEST(Parse, WrongTypesNameTheJsonPath) {
    json j = base();
    j["process"]["args"] = "sh";
    EXPECT_EQ(error_of(j), "config.json: .process.args: must be an array, not a string");
    j = base();
    j["process"]["args"] = json::array({"sh", 3});
    EXPECT_EQ(error_of(j), "config.json: .process.args[1]: must be a string, not a number");
    j = base();
    j["process"]["user"]["uid"] = -1;
    EXPECT_EQ(error_of(j), "config.json: .process.user.uid: must not be negative");
    j = base();
    j["process"]["user"]["uid"] = 1.5;
    EXPECT_EQ(error_of(j), "config.json: .process.user.uid: must be an integer, not a fractional number");
    j = base();
    j["mounts"][2]["options"] = json::object();
    EXPECT_EQ(error_of(j), "config.json: .mounts[2].options: must be an array, not an object");
}

TEST(Parse, EmptyArgsAndRelativeCwd) {
    json j = base();
    j["process"]["args"] = json::array();
    EXPECT_EQ(error_of(j), "config.json: .process.args: must be a non-empty array");
    j = base();
    j["process"]["cwd"] = "tmp";
    EXPECT_EQ(error_of(j), "config.json: .process.cwd: must be an absolute path, not \"tmp\"");
}

TEST(Parse, UnknownPropertiesAreIgnoredAndAny1xVersionAccepted) {
    json j = base();
    j["someFutureField"] = {{"x", 1}};
    j["process"]["newThing"] = true;
    j["ociVersion"] = "1.0.2-dev";
    EXPECT_EQ(error_of(j), "");
    j["ociVersion"] = "1.3.0";
    EXPECT_EQ(error_of(j), "");
    j["ociVersion"] = "2.0.0";
    EXPECT_EQ(error_of(j), "config.json: .ociVersion: unsupported version \"2.0.0\" (strata supports 1.x)");
}

TEST(Parse, NamespaceRules) {
    json j = base();
    j["linux"]["namespaces"].push_back({{"type", "pid"}});
    EXPECT_EQ(error_of(j), "config.json: .linux.namespaces[6].type: duplicate namespace \"pid\"");
    j = base();
    j["linux"]["namespaces"].push_back({{"type", "bogus"}});
    EXPECT_EQ(error_of(j), "config.json: .linux.namespaces[6].type: unknown namespace type \"bogus\"");
    j = base();
    j["linux"]["namespaces"].push_back({{"type", "user"}});
    EXPECT_EQ(error_of(j), "config.json: .linux.uidMappings: a new user namespace needs uidMappings and gidMappings");
    j = base();
    j["linux"]["namespaces"] = json::array({{{"type", "mount"}}});
    EXPECT_EQ(error_of(j), "config.json: .hostname: setting a hostname needs a uts namespace");
    j = base();  // a joined one will do: the name is set in it
    j["linux"]["namespaces"].push_back({{"type", "uts"}, {"path", "/proc/1/ns/uts"}});
    j["linux"]["namespaces"].erase(std::find_if(j["linux"]["namespaces"].begin(), j["linux"]["namespaces"].end(),
                                                [](const json& n) { return n["type"] == "uts" && !n.contains("path"); }));
    EXPECT_EQ(error_of(j), "");
}

TEST(Parse, RlimitRules) {
    json j = base();
    j["process"]["rlimits"] = {{{"type", "RLIMIT_BOGUS"}, {"soft", 1}, {"hard", 1}}};
    EXPECT_EQ(error_of(j), "config.json: .process.rlimits[0].type: unknown rlimit \"RLIMIT_BOGUS\"");
    j["process"]["rlimits"] = {{{"type", "RLIMIT_NOFILE"}, {"soft", 2}, {"hard", 1}}};
    EXPECT_EQ(error_of(j), "config.json: .process.rlimits[0]: soft limit 2 exceeds hard limit 1");
}

TEST(Parse, ResourcesParse) {
    auto r = parse_resources(R"({"memory":{"limit":33554432,"swap":-1},"pids":{"limit":10},
        "cpu":{"quota":20000,"period":100000,"cpus":"0"}})", "stdin");
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r->memory->limit, 33554432);
    EXPECT_EQ(r->memory->swap, -1);
    EXPECT_EQ(r->pids_limit, 10);
    EXPECT_EQ(r->cpu->quota, 20000);
    EXPECT_EQ(r->cpu->cpus, "0");
}

TEST(Parse, TestdataConfigs) {
    for (const char* name : {"runc-spec.json", "crun-spec.json"}) {
        std::ifstream in(std::string(STRATA_SPEC_TESTDATA) + "/" + name);
        ASSERT_TRUE(in) << name;
        std::stringstream ss;
        ss << in.rdbuf();
        auto r = parse_config(ss.str(), name);
        EXPECT_TRUE(r) << name << ": " << r.error().message();
    }
}

}  // namespace
}  // namespace strata::spec
