#include "vm/spec_codec.h"

#include <gtest/gtest.h>

#include "spec/parse.h"
#include "sys/file.h"

namespace strata::vm::agent {

TEST(SpecCodec, RoundTripsWhatTheAgentUses) {
    spec::Spec s;
    s.root.readonly = true;
    s.hostname = "guest";
    s.mounts.push_back({"/proc", "proc", "proc", {"nosuid", "noexec"}, {}, {}});
    auto& p = s.process.emplace();
    p.args = {"sh", "-c", "echo hi"};
    p.env = {"PATH=/bin", "A=b"};
    p.cwd = "/tmp";
    p.user = {1000, 100, 022, {10, 20}};
    p.capabilities.emplace().bounding = {"CAP_KILL"};
    p.rlimits.push_back({"RLIMIT_NOFILE", 1024, 4096});
    p.no_new_privileges = true;
    p.oom_score_adj = -100;
    auto& l = s.linux.emplace();
    l.namespaces = {{"pid", ""}, {"network", "/proc/1/ns/net"}};
    spec::Device dev;
    dev.type = "c";
    dev.path = "/dev/fuse";
    dev.major = 10;
    dev.minor = 229;
    dev.file_mode = 0600;
    l.devices.push_back(dev);
    l.sysctl["net.ipv4.ip_forward"] = "1";
    l.masked_paths = {"/proc/kcore"};
    l.readonly_paths = {"/proc/sys"};
    auto& r = l.resources.emplace();
    r.memory.emplace().limit = 1 << 28;
    r.cpu.emplace().quota = 50000;
    r.cpu->cpus = "0-1";
    r.pids_limit = -1;

    auto d = decode_spec(encode_spec(s));
    ASSERT_TRUE(d) << d.error().message();
    EXPECT_TRUE(d->root.readonly);
    EXPECT_EQ(d->hostname, "guest");
    ASSERT_EQ(d->mounts.size(), 1u);
    EXPECT_EQ(d->mounts[0].options, (std::vector<std::string>{"nosuid", "noexec"}));
    EXPECT_EQ(d->process->args, p.args);
    EXPECT_EQ(d->process->env, p.env);
    EXPECT_EQ(d->process->cwd, "/tmp");
    EXPECT_EQ(d->process->user.uid, 1000u);
    EXPECT_EQ(d->process->user.umask, 022u);
    EXPECT_EQ(d->process->user.additional_gids, (std::vector<uint32_t>{10, 20}));
    EXPECT_EQ(d->process->capabilities->bounding, (std::vector<std::string>{"CAP_KILL"}));
    EXPECT_EQ(d->process->rlimits[0].hard, 4096u);
    EXPECT_TRUE(d->process->no_new_privileges);
    EXPECT_EQ(d->process->oom_score_adj, -100);
    EXPECT_EQ(d->linux->namespaces[1].path, "/proc/1/ns/net");
    EXPECT_EQ(d->linux->devices[0].minor, 229);
    EXPECT_EQ(d->linux->devices[0].file_mode, 0600u);
    EXPECT_FALSE(d->linux->devices[0].uid);
    EXPECT_EQ(d->linux->sysctl.at("net.ipv4.ip_forward"), "1");
    EXPECT_EQ(d->linux->resources->memory->limit, 1 << 28);
    EXPECT_FALSE(d->linux->resources->memory->swap);
    EXPECT_EQ(d->linux->resources->cpu->cpus, "0-1");
    EXPECT_EQ(d->linux->resources->pids_limit, -1);
}

TEST(SpecCodec, RealConfigsSurvive) {
    for (const char* f : {"runc-spec.json", "crun-spec.json"}) {
        std::string path = std::string(STRATA_SPEC_TESTDATA) + "/" + f;
        auto text = sys::read_file(path);
        ASSERT_TRUE(text);
        auto s = spec::parse_config(*text, path);
        ASSERT_TRUE(s) << s.error().message();
        auto d = decode_spec(encode_spec(*s));
        ASSERT_TRUE(d) << f << ": " << d.error().message();
        EXPECT_EQ(d->process->args, s->process->args);
        EXPECT_EQ(d->mounts.size(), s->mounts.size());
        EXPECT_EQ(d->linux->masked_paths, s->linux->masked_paths);
    }
}

TEST(SpecCodec, TruncationIsAnError) {
    spec::Spec s;
    s.process.emplace().args = {"true"};
    std::string e = encode_spec(s);
    for (size_t n = 0; n < e.size(); ++n) EXPECT_FALSE(decode_spec(e.substr(0, n))) << n;
}

}  // namespace strata::vm::agent
