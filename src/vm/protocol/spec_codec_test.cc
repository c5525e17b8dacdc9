#include "vm/protocol/spec_codec.h"

#include <linux/capability.h>
#include <sys/mount.h>

#include <gtest/gtest.h>

#include <cstring>

#include "spec/parse.h"
#include "sys/file.h"

namespace strata::vm::agent {

TEST(SpecCodec, RoundTripsWhatTheAgentUses) {
    spec::Spec s;
    s.root.readonly = true;
    s.hostname = "guest";
    s.mounts.push_back({"/proc", "proc", "proc", {"nosuid", "noexec"}, {}, {}});
    s.mounts.push_back({"/sys/fs/cgroup", "cgroup", "cgroup", {"ro"}, {}, {}});
    s.mounts.push_back({"/dev/shm", "tmpfs", "shm", {"mode=1777", "size=65536k", "nodev"}, {}, {}});
    s.mounts.push_back({"/data", "bind", "/srv/data", {"rbind", "ro"}, {}, {}});
    s.mounts.push_back({"/etc/hosts", "bind", "/run/x/hosts", {"bind", "nosuid"}, {}, {}});
    s.mounts.push_back({"/dev/shm", "bind", "/run/x/shm", {"bind"}, {}, {}});
    auto& p = s.process.emplace();
    p.args = {"sh", "-c", "echo hi"};
    p.env = {"PATH=/bin", "A=b"};
    p.cwd = "/tmp";
    p.user = {1000, 100, 022, {10, 20}};
    p.capabilities.emplace().bounding = {"CAP_KILL"};
    p.rlimits.push_back({"RLIMIT_NOFILE", 1024, 4096});
    p.no_new_privileges = true;
    p.oom_score_adj = -100;
    p.terminal = true;
    p.console_size = spec::ConsoleSize{24, 80};
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

    auto e = encode_spec(s, 1 << 20);
    ASSERT_TRUE(e) << e.error().message();
    auto g = decode_spec(*e);
    ASSERT_TRUE(g) << g.error().message();
    // The workload's terminal: the guest makes its pty, at consoleSize.
    EXPECT_TRUE(g->spec.process->terminal);
    ASSERT_TRUE(g->spec.process->console_size);
    EXPECT_EQ(g->spec.process->console_size->height, 24u);
    EXPECT_EQ(g->spec.process->console_size->width, 80u);
    // The mounts arrive planned: mount(2)'s flags and data, cgroup as the guest's cgroup2.
    ASSERT_EQ(g->mounts.size(), 6u);
    EXPECT_EQ(g->mounts[0].destination, "/proc");
    EXPECT_EQ(g->mounts[0].fstype, "proc");
    EXPECT_EQ(g->mounts[0].flags, uint64_t(MS_NOSUID | MS_NOEXEC));
    EXPECT_EQ(g->mounts[0].data, "");
    EXPECT_EQ(g->mounts[1].fstype, "cgroup2");
    EXPECT_EQ(g->mounts[1].source, "cgroup2");
    EXPECT_EQ(g->mounts[1].flags, uint64_t(MS_RDONLY));
    EXPECT_EQ(g->mounts[2].source, "shm");
    EXPECT_EQ(g->mounts[2].data, "mode=1777,size=65536k");
    EXPECT_EQ(g->mounts[2].flags, uint64_t(MS_NODEV));
    // Bind mounts, in config.json's order: from the share's entry of their index, with their flags.
    EXPECT_EQ(g->mounts[3].destination, "/data");
    EXPECT_EQ(g->mounts[3].fstype, "");
    EXPECT_EQ(g->mounts[3].source, std::string(kGuestShareDir) + "/3");
    EXPECT_EQ(g->mounts[3].flags, uint64_t(MS_BIND | MS_RDONLY));
    EXPECT_EQ(g->mounts[4].source, std::string(kGuestShareDir) + "/4");
    EXPECT_EQ(g->mounts[4].flags, uint64_t(MS_BIND | MS_NOSUID));
    EXPECT_TRUE(uses_share(g->mounts));
    // /dev/shm: a tmpfs of the guest's own, of the size the host found.
    EXPECT_EQ(g->mounts[5].destination, "/dev/shm");
    EXPECT_EQ(g->mounts[5].fstype, "tmpfs");
    EXPECT_EQ(g->mounts[5].data, "mode=1777,size=1048576");
    EXPECT_EQ(g->mounts[5].flags, uint64_t(MS_NOSUID | MS_NODEV | MS_NOEXEC));
    const spec::Spec* d = &g->spec;
    EXPECT_TRUE(d->mounts.empty());
    EXPECT_TRUE(d->root.readonly);
    EXPECT_EQ(d->hostname, "guest");
    EXPECT_EQ(d->process->args, p.args);
    EXPECT_EQ(d->process->env, p.env);
    EXPECT_EQ(d->process->cwd, "/tmp");
    EXPECT_EQ(d->process->user.uid, 1000u);
    EXPECT_EQ(d->process->user.umask, 022u);
    EXPECT_EQ(d->process->user.additional_gids, (std::vector<uint32_t>{10, 20}));
    EXPECT_FALSE(d->process->capabilities);  // resolved into bit sets on the host
    EXPECT_EQ(g->caps.bounding, 1ULL << CAP_KILL);
    EXPECT_EQ(g->caps.effective, 0u);
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
        auto e = encode_spec(*s);
        ASSERT_TRUE(e) << f << ": " << e.error().message();
        auto d = decode_spec(*e);
        ASSERT_TRUE(d) << f << ": " << d.error().message();
        EXPECT_EQ(d->spec.process->args, s->process->args);
        EXPECT_EQ(d->mounts.size(), s->mounts.size());  // none of them binds a host path
        EXPECT_EQ(d->spec.linux->masked_paths, s->linux->masked_paths);
    }
}

TEST(SpecCodec, CarriesTheCompiledSeccompFilterExactly) {
    spec::Spec s;
    s.process.emplace().args = {"true"};
    GuestFilter f;
    f.flags = 2;  // SECCOMP_FILTER_FLAG_LOG
    for (uint32_t i = 0; i < 300; ++i) f.code.push_back({static_cast<uint16_t>(i), 1, 2, 0x7fff0000u + i});
    auto e = encode_spec(s, kDefaultShmBytes, &f);
    ASSERT_TRUE(e) << e.error().message();
    auto d = decode_spec(*e);
    ASSERT_TRUE(d) << d.error().message();
    ASSERT_TRUE(d->seccomp);
    EXPECT_EQ(d->seccomp->flags, 2u);
    ASSERT_EQ(d->seccomp->code.size(), 300u);
    EXPECT_EQ(std::memcmp(d->seccomp->code.data(), f.code.data(), 300 * sizeof(sock_filter)), 0);
    EXPECT_FALSE(decode_spec(encode_spec(s).value())->seccomp);
    // More than the kernel can load is the host's error, not the guest's.
    f.code.resize(kMaxFilterInsns + 1);
    auto big = encode_spec(s, kDefaultShmBytes, &f);
    ASSERT_FALSE(big);
    EXPECT_NE(big.error().message().find("linux.seccomp"), std::string::npos) << big.error().message();
}

TEST(SpecCodec, UnknownCapabilityIsAnErrorOnTheHost) {
    spec::Spec s;
    s.process.emplace().args = {"true"};
    s.process->capabilities.emplace().effective = {"CAP_NO_SUCH"};
    auto e = encode_spec(s);
    ASSERT_FALSE(e);
    EXPECT_NE(e.error().message().find("CAP_NO_SUCH"), std::string::npos) << e.error().message();
}

TEST(SpecCodec, TruncationIsAnError) {
    spec::Spec s;
    s.process.emplace().args = {"true"};
    std::string e = encode_spec(s).value();
    for (size_t n = 0; n < e.size(); ++n) EXPECT_FALSE(decode_spec(e.substr(0, n))) << n;
}

TEST(SpecCodec, ExecRequestRoundTrip) {
    ExecRequest req;
    req.session = 7;
    req.user = "nobody:nogroup";
    req.process.args = {"sh", "-c", "exit 5"};
    req.process.env = {"A=1"};
    req.process.cwd = "/tmp";
    req.process.user.uid = 1000;
    req.process.user.additional_gids = {10, 20};
    req.process.no_new_privileges = true;
    req.process.capabilities.emplace().effective = {"CAP_CHOWN"};
    req.process.rlimits.push_back({"RLIMIT_NOFILE", 512, 1024});
    req.process.terminal = true;
    req.process.console_size = spec::ConsoleSize{40, 120};
    req.container = "app";
    auto e = encode_exec(req);
    ASSERT_TRUE(e) << e.error().message();
    auto d = decode_exec(*e);
    ASSERT_TRUE(d) << d.error().message();
    EXPECT_EQ(d->session, 7u);
    EXPECT_EQ(d->container, "app");
    EXPECT_EQ(d->user, "nobody:nogroup");
    EXPECT_EQ(d->process.args, req.process.args);
    EXPECT_EQ(d->process.cwd, "/tmp");
    EXPECT_EQ(d->process.user.uid, 1000u);
    EXPECT_EQ(d->process.user.additional_gids, req.process.user.additional_gids);
    EXPECT_TRUE(d->process.no_new_privileges);
    EXPECT_EQ(d->caps.effective, uint64_t(1) << 0);  // CAP_CHOWN is 0
    ASSERT_EQ(d->process.rlimits.size(), 1u);
    EXPECT_EQ(d->process.rlimits[0].hard, 1024u);
    EXPECT_TRUE(d->process.terminal);
    ASSERT_TRUE(d->process.console_size);
    EXPECT_EQ(d->process.console_size->height, 40u);
    EXPECT_EQ(d->process.console_size->width, 120u);
    for (size_t n = 0; n < e->size(); ++n) EXPECT_FALSE(decode_exec(e->substr(0, n))) << n;
}

TEST(SpecCodec, APodContainersBindsComeFromItsOwnPartOfTheShare) {
    spec::Spec s;
    s.process.emplace();
    s.process->args = {"sh"};
    s.mounts.push_back({"/proc", "proc", "proc", {}, {}, {}});
    s.mounts.push_back({"/data", "bind", "/srv/data", {"rbind", "ro"}, {}, {}});
    auto e = encode_spec(s, kDefaultShmBytes, nullptr, "", guest_member_share_dir("app"));
    ASSERT_TRUE(e) << e.error().message();
    auto d = decode_spec(*e);
    ASSERT_TRUE(d) << d.error().message();
    ASSERT_EQ(d->mounts.size(), 2u);
    EXPECT_EQ(d->mounts[1].source, std::string(kGuestShareDir) + "/c/app/1");
    EXPECT_EQ(guest_share_entry(1), std::string(kGuestShareDir) + "/1");
}

TEST(SpecCodec, MemberRequestRoundTrip) {
    MemberRequest m{9, "app", "encoded-spec"};
    std::string e = encode_member(m);
    auto d = decode_member(e);
    ASSERT_TRUE(d) << d.error().message();
    EXPECT_EQ(d->session, 9u);
    EXPECT_EQ(d->name, "app");
    EXPECT_EQ(d->spec, "encoded-spec");
    EXPECT_FALSE(decode_member(e.substr(0, e.size() - 1)));
}

}  // namespace strata::vm::agent
