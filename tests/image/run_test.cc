// strata run IMAGE: containers on an OverlayFS of the image, through the runtime's lifecycle.

#include <sys/stat.h>

#include "base/strings.h"
#include "tests/image/fixture.h"

namespace strata::test {
namespace {

using json = nlohmann::json;

class Run : public ImageTest {
protected:
    void SetUp() override {
        ImageTest::SetUp();
        if (IsSkipped() || HasFailure()) return;
        load_busybox("bb:1");
    }
    std::string state_json(const std::string& id) { return strata({"state", id}).out; }
};

TEST_F(Run, TenContainersAtOnceEachWithItsOwnWritableLayer) {
    std::vector<std::string> ids;
    for (int i = 0; i < 10; ++i) {
        std::string id = "c" + std::to_string(i);
        auto r = strata_detached({"run", "-d", "--name", id, "bb:1", "sh", "-c",
                                  "echo " + id + " > /mine-" + id + "; touch /ready; exec sleep 1000"});
        ASSERT_EQ(r.status, 0) << r.out;
        ids.push_back(id);
    }
    for (const auto& id : ids) {
        std::string upper = data() + "/containers/" + id + "/upper";
        ASSERT_TRUE(eventually([&] { return access((upper + "/ready").c_str(), F_OK) == 0; })) << id;
        // Its own file in its own upper directory, and nothing of the others' (etc/ holds the
        // mount points of /etc/hosts, hostname and resolv.conf, which the image lacks).
        EXPECT_EQ(ls(upper), "etc mine-" + id + " ready ") << id;
        EXPECT_EQ(read_text(upper + "/mine-" + id), id + "\n");
    }
    EXPECT_EQ(mounts_containing(data() + "/containers/").size(), 10u);
    auto list = strata({"list", "--format", "json"});
    auto all = json::parse(list.out);
    ASSERT_EQ(all.size(), 10u);
    for (const auto& c : all) EXPECT_EQ(c["annotations"]["org.strata.image"], "localhost/bb:1");
    for (const auto& id : ids) EXPECT_EQ(strata({"delete", "--force", id}).status, 0);
    EXPECT_EQ(ls(data() + "/containers"), "");
    EXPECT_EQ(mounts_containing(data()).size(), 0u);
}

TEST_F(Run, RmRemovesTheContainerAndItsWritableLayer) {
    auto r = strata({"run", "--rm", "--name", "gone", "bb:1", "sh", "-c", "echo x > /f; cat /f"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "x\n");
    EXPECT_EQ(strata({"list", "-q"}).out, "");
    EXPECT_EQ(ls(data() + "/containers"), "");
    // Exit statuses pass through.
    EXPECT_EQ(strata({"run", "--rm", "bb:1", "sh", "-c", "exit 7"}).status, 7);
}

TEST_F(Run, WithoutRmTheContainerStaysUntilDelete) {
    auto r = strata({"run", "--name", "kept", "bb:1", "sh", "-c", "echo data > /kept"});
    ASSERT_EQ(r.status, 0) << r.err;
    auto st = json::parse(state_json("kept"));
    EXPECT_EQ(st["status"], "stopped");
    EXPECT_EQ(st["annotations"]["org.strata.image"], "localhost/bb:1");
    auto table = strata({"list"});
    EXPECT_NE(table.out.find("IMAGE"), std::string::npos) << table.out;
    EXPECT_NE(table.out.find("localhost/bb:1"), std::string::npos) << table.out;
    EXPECT_EQ(read_text(data() + "/containers/kept/upper/kept"), "data\n");
    EXPECT_EQ(mounts_containing(data() + "/containers/kept/rootfs").size(), 1u);
    // The name is taken until then.
    auto dup = strata({"run", "--name", "kept", "bb:1", "true"});
    EXPECT_EQ(dup.status, 1);
    EXPECT_NE(dup.err.find("already exists"), std::string::npos) << dup.err;
    ASSERT_EQ(strata({"delete", "kept"}).status, 0);
    EXPECT_EQ(ls(data() + "/containers"), "");
    EXPECT_EQ(mounts_containing(data()).size(), 0u);
}

TEST_F(Run, DetachedRmIsRemovedWhenItExits) {
    auto r = strata_detached({"run", "-d", "--rm", "--name", "brief", "bb:1", "sleep", "0.3"});
    ASSERT_EQ(r.status, 0) << r.out;
    EXPECT_TRUE(eventually([&] { return ls(data() + "/containers") == "" && strata({"list", "-q"}).out == ""; }));
}

TEST_F(Run, RmiIsRefusedWhileAContainerUsesTheImage) {
    ASSERT_EQ(strata({"run", "--name", "user", "bb:1", "true"}).status, 0);
    auto r = strata({"rmi", "bb:1"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("in use by container \"user\""), std::string::npos) << r.err;
    // prune keeps what the container uses.
    ASSERT_EQ(strata({"prune"}).status, 0);
    EXPECT_EQ(split_nonempty(ls(data() + "/layers"), ' ').size(), 1u);
    ASSERT_EQ(strata({"delete", "user"}).status, 0);
    auto ok = strata({"rmi", "bb:1"});
    EXPECT_EQ(ok.status, 0) << ok.err;
    EXPECT_NE(ok.out.find("Untagged: localhost/bb:1"), std::string::npos) << ok.out;
    EXPECT_EQ(ls(data() + "/layers"), "");
    EXPECT_EQ(ls(data() + "/blobs/sha256"), "");
}

TEST_F(Run, PruneRemovesOnlyUnusedContent) {
    std::string extra = TarWriter().file("e", "e").finish();
    load_busybox("two:1", {{extra, "gzip"}});
    ASSERT_EQ(strata_detached({"run", "-d", "--name", "holder", "two:1", "sleep", "1000"}).status, 0);
    // Untag both images: nothing is referenced by an image now, but the container holds two:1's.
    write_text(data() + "/index.json", R"({"images":{},"tags":{}})");
    auto p = strata({"prune"});
    ASSERT_EQ(p.status, 0) << p.err;
    EXPECT_EQ(split_nonempty(ls(data() + "/layers"), ' ').size(), 2u);
    ASSERT_EQ(strata({"delete", "--force", "holder"}).status, 0);
    p = strata({"prune"});
    EXPECT_NE(p.out.find("Removed 2 layers"), std::string::npos) << p.out;
    EXPECT_EQ(ls(data() + "/layers"), "");
}

TEST_F(Run, PruneReleasesWhatAVanishedContainerLeft) {
    // A container whose runtime state is gone (a crash, a wiped --root) leaves its mount and its
    // writable layer; prune finds the directory unlocked and stateless, and releases both.
    ASSERT_EQ(strata({"run", "--name", "lost", "bb:1", "true"}).status, 0);
    ASSERT_EQ(run_cmd({"rm", "-rf", run_root() + "/lost"}).status, 0);
    EXPECT_EQ(mounts_containing(data() + "/containers/lost").size(), 1u);
    auto p = strata({"prune"});
    ASSERT_EQ(p.status, 0) << p.err;
    EXPECT_NE(p.out.find("1 orphaned container"), std::string::npos) << p.out;
    EXPECT_EQ(ls(data() + "/containers"), "");
    EXPECT_EQ(mounts_containing(data()).size(), 0u);
    // The image itself is still named, so its layer stays.
    EXPECT_EQ(split_nonempty(ls(data() + "/layers"), ' ').size(), 1u);
    // The cgroup of the vanished container is the runtime's to lose, not the store's: the test
    // removes it so that the host keeps nothing.
    run_cmd({"sh", "-c", "find /sys/fs/cgroup -depth -type d -path '*/strata/lost' -exec rmdir {} +"});
    EXPECT_EQ(run_cmd({"sh", "-c", "find /sys/fs/cgroup -type d -path '*/strata/lost'"}).out, "");
}

TEST_F(Run, ImageConfigAndFlags) {
    std::string app = TarWriter()
                          .file("etc/passwd", "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n")
                          .file("etc/group", "root:x:0:\napp:x:1000:\nextra:x:3000:app\n")
                          .dir("srv")
                          .finish();
    json cfg = {{"Entrypoint", {"sh", "-c"}},
                {"Cmd", {"echo $GREETING from $(pwd) as $(id -u):$(id -g) groups $(id -G)"}},
                {"Env", {"GREETING=hello", "PATH=/bin"}},
                {"WorkingDir", "/srv/app"},
                {"User", "app"}};
    load_busybox("cfg:1", {{app, "gzip"}}, cfg);
    auto r = strata({"run", "--rm", "cfg:1"});
    EXPECT_EQ(r.out, "hello from /srv/app as 1000:1000 groups 1000 3000\n") << r.err;
    // The command replaces Cmd (the entrypoint stays); flags override the image.
    r = strata({"run", "--rm", "-e", "GREETING=hi", "--user", "0:0", "--workdir", "/tmp", "cfg:1", "echo $GREETING $(pwd) $(id -u)"});
    EXPECT_EQ(r.out, "hi /tmp 0\n") << r.err;
    // -v binds, :ro read-only; --read-only makes the root read-only.
    TempDir host("strata-vol");
    write_text(host.path() + "/in", "from host\n");
    r = strata({"run", "--rm", "-v", host.path() + ":/vol", "-v", host.path() + ":/ro:ro", "--read-only", "--user", "0",
                "cfg:1", "cat /vol/in; echo out > /vol/out; echo no > /ro/x || echo ro-refused; touch /z || echo root-ro"});
    EXPECT_EQ(r.out, "from host\nro-refused\nroot-ro\n") << r.err;
    EXPECT_EQ(read_text(host.path() + "/out"), "out\n");
    // Flags after the image belong to the command: "-d" here is not --detach.
    r = strata({"run", "--rm", "bb:1", "ls", "-d", "/"});
    EXPECT_EQ(r.out, "/\n") << r.err;
}

// As Podman does: /etc/hosts resolves localhost and the container's own name, /etc/hostname
// holds it, root's group may ping (ping_group_range); a -v onto one of the files wins.
TEST_F(Run, HostsAndHostnameFiles) {
    auto r = strata({"run", "--rm", "--name", "web1", "bb:1", "sh", "-c",
                     "hostname; cat /etc/hostname; grep -c localhost /etc/hosts; grep web1 /etc/hosts; cat /proc/sys/net/ipv4/ping_group_range; "
                     "mkdir /www && echo served > /www/f && httpd -p 127.0.0.1:8080 -h /www && wget -qO- http://localhost:8080/f"});
    EXPECT_EQ(r.out, "web1\nweb1\n2\n127.0.1.1\tweb1\n0\t0\nserved\n") << r.err;
    TempDir host("strata-hosts");
    write_text(host.path() + "/hosts", "10.1.2.3 mine\n");
    r = strata({"run", "--rm", "-v", host.path() + "/hosts:/etc/hosts:ro", "bb:1", "cat", "/etc/hosts"});
    EXPECT_EQ(r.out, "10.1.2.3 mine\n") << r.err;
}

// As in Podman: stdin only with -i; -t gives the process a terminal of its own.
TEST_F(Run, StdinWithInteractiveAndATerminalWithTty) {
    std::vector<std::string> base = {strata_bin(), "--root", run_root(), "--data-root", data(), "run", "--rm"};
    auto argv = [&](std::vector<std::string> more) {
        std::vector<std::string> a = base;
        a.insert(a.end(), more.begin(), more.end());
        return a;
    };
    EXPECT_EQ(run_cmd(argv({"bb:1", "cat"}), "typed\n").out, "");
    EXPECT_EQ(run_cmd(argv({"-i", "bb:1", "cat"}), "typed\n").out, "typed\n");
    EXPECT_EQ(run_cmd(argv({"bb:1", "sh", "-c", "[ -t 0 ] && echo tty || echo no-tty"})).out, "no-tty\n");
    // -t on a terminal: script(1) provides one.
    std::string cmd;
    for (const auto& a : argv({"-it", "bb:1", "sh", "-c", "[ -t 0 ] && [ -t 1 ] && echo tty || echo no-tty"})) cmd += "'" + a + "' ";
    auto r = run_cmd({"script", "-qec", cmd, "/dev/null"});
    EXPECT_NE(r.out.find("tty"), std::string::npos) << r.out << r.err;
    EXPECT_EQ(r.out.find("no-tty"), std::string::npos) << r.out;
    auto detached = strata({"run", "-d", "-t", "bb:1", "true"});
    EXPECT_EQ(detached.status, 1);
    EXPECT_NE(detached.err.find("-t with -d"), std::string::npos) << detached.err;
    // --pull never: only the store.
    auto never = strata({"run", "--rm", "--pull", "never", "localhost/absent:1", "true"});
    EXPECT_EQ(never.status, 1);
    EXPECT_NE(never.err.find("is not in the store"), std::string::npos) << never.err;
    EXPECT_EQ(never.err.find("Pulling"), std::string::npos) << never.err;
}

TEST_F(Run, ManyLayersMountWithEitherLowerdirSyntax) {
    // 120 layers do not fit one mount option page at full paths (120 x ~90 bytes).
    std::vector<TestLayer> layers;
    for (int i = 0; i < 120; ++i)
        layers.push_back({TarWriter().file("layers/" + std::to_string(i), std::to_string(i)).finish(), "none"});
    load_busybox("many:1", layers);
    for (const char* syntax : {"append", "short"}) {
        std::vector<std::string> argv = {"env", "STRATA_IMAGE_LOWERDIR=" + std::string(syntax), strata_bin(), "--root",
                                         run_root(), "--data-root", data(), "run", "--rm", "many:1", "sh", "-c",
                                         "ls /layers | wc -l; cat /layers/0 /layers/119"};
        auto r = run_cmd(argv);
        EXPECT_EQ(r.out, "120\n0119") << syntax << ": " << r.err;
    }
}

// The seccomp profile is built for the container's own capabilities (Podman's set, which has
// CAP_SYS_CHROOT), not for the three of a bare `strata spec`: chroot works as under Docker and
// Podman. And io_uring, which would bypass the filter, is denied here as well.
TEST_F(Run, SeccompProfileFitsTheContainersCapabilities) {
    std::string probe = read_text(ATTACKER_IO_URING);
    ASSERT_FALSE(probe.empty());
    load_busybox("sc:1", {{TarWriter().file("io_uring", probe, {.mode = 0755}).finish(), "gzip"}});
    auto r = strata({"run", "--rm", "sc:1", "sh", "-c", "chroot / true && echo chroot-ok; grep ^Seccomp: /proc/self/status; /io_uring"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "chroot-ok\nSeccomp:\t2\nio_uring_setup EPERM\nio_uring_enter EPERM\nio_uring_register EPERM\n") << r.err;
    // A non-root user holds no capability: chroot is refused (by the kernel, EPERM either way).
    r = strata({"run", "--rm", "--user", "1000", "sc:1", "sh", "-c", "chroot / true 2>/dev/null || echo refused"});
    EXPECT_EQ(r.out, "refused\n") << r.err;
}

// /proc is mounted nosuid,nodev,noexec, as by Docker and Podman.
TEST_F(Run, ProcIsNosuidNodevNoexec) {
    auto r = strata({"run", "--rm", "bb:1", "sh", "-c", "grep ' /proc proc ' /proc/mounts"});
    ASSERT_EQ(r.status, 0) << r.err;
    auto fields = split_nonempty(r.out, ' ');
    ASSERT_GE(fields.size(), 4u) << r.out;
    auto opts = split(fields[3], ',');
    for (const char* o : {"nosuid", "nodev", "noexec"})
        EXPECT_NE(std::find(opts.begin(), opts.end(), o), opts.end()) << o << " in " << r.out;
}

TEST_F(Run, RuncFormStillWorks) {
    auto b = Bundle::busybox();
    b.set_args({"echo", "bundle"});
    auto r = strata({"run", "-b", b.path(), "runc1"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "bundle\n");
    // From inside the bundle, with no -b: one argument and ./config.json select the runc form.
    auto cwd = run_cmd({"sh", "-c", "cd '" + b.path() + "' && '" + strata_bin() + "' --root '" + run_root() +
                                        "' --data-root '" + data() + "' run runc2"});
    EXPECT_EQ(cwd.status, 0) << cwd.err;
    EXPECT_EQ(cwd.out, "bundle\n");
    // An image flag with -b is an error, not silently ignored.
    auto mixed = strata({"run", "-b", b.path(), "--rm", "runc3"});
    EXPECT_EQ(mixed.status, 1);
    EXPECT_NE(mixed.err.find("do not apply to a bundle"), std::string::npos) << mixed.err;
}

}  // namespace
}  // namespace strata::test
