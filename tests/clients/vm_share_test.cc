// Podman driving strata's vm substrate (--annotation org.strata.substrate=vm): the files an
// engine gives a container (volumes, its generated /etc/hosts and /etc/resolv.conf) reach the
// guest through the file share (vm/share/share.h). Labels clients and vm: each test boots guests.

#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>

#include "tests/support/podman.h"

namespace strata::test {
namespace {

class PodmanVmFiles : public Podman {
protected:
    void SetUp() override {
        Podman::SetUp();
        if (IsSkipped() || HasFailure()) return;
        auto info = run_cmd({strata_bin(), "info", "--json"});
        ASSERT_EQ(info.status, 0) << info.err;
        auto vm = nlohmann::json::parse(info.out)["vm"];
        STRATA_REQUIRE(!vm["backend"].is_null(), "no vm backend: " + vm["reason"].dump());
        STRATA_REQUIRE(vm["kernel"].contains("path"), "no guest kernel: " + vm["kernel"].dump());
        name = "vmshare-" + std::to_string(getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    }
    void TearDown() override {
        if (env) env->run({"rm", "-f", name});
    }
    // podman run with the annotation, the machine's flags and `extra` (options, image, command).
    CmdResult run_vm(std::vector<std::string> extra) {
        std::vector<std::string> a = {"--name", name, "--annotation", "org.strata.substrate=vm"};
        a.insert(a.end(), extra.begin(), extra.end());
        return env->run(run_args(a), kBoot);
    }
    std::string inspect(const std::string& format) {
        auto r = env->run({"inspect", "--format", format, name});
        EXPECT_EQ(r.status, 0) << r.err;
        return r.out.substr(0, r.out.find('\n'));
    }

    std::string name;
    static constexpr auto kBoot = std::chrono::seconds(240);  // under TCG, on a loaded machine
};

TEST_F(PodmanVmFiles, VolumeWritesGoThroughToTheHost) {
    TempDir dir("strata-podman-vol");
    write_text(dir.path() + "/in", "from-host\n");
    auto r = run_vm({"-v", dir.path() + ":/data", kImage, "sh", "-c", "cat /data/in; echo from-guest > /data/out; uname -r"});
    ASSERT_EQ(r.status, 0) << r.err;
    utsname u{};
    ::uname(&u);
    EXPECT_EQ(r.out.substr(0, r.out.find('\n') + 1), "from-host\n");
    EXPECT_NE(r.out.substr(r.out.find('\n') + 1), std::string(u.release) + "\n") << "not in a VM";
    EXPECT_EQ(read_text(dir.path() + "/out"), "from-guest\n");
    EXPECT_EQ(r.err.find("not available inside the VM"), std::string::npos) << r.err;
}

TEST_F(PodmanVmFiles, ReadOnlyVolumeRefusesWritesWithErofs) {
    TempDir dir("strata-podman-vol");
    auto r = run_vm({"-v", dir.path() + ":/data:ro", kImage, "sh", "-c", "echo x > /data/out"});
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.err.find("Read-only file system"), std::string::npos) << r.err;
    EXPECT_EQ(access((dir.path() + "/out").c_str(), F_OK), -1);
}

TEST_F(PodmanVmFiles, GuestHostsAndResolvConfAreThoseOfPodmanAndFollowItsRewrites) {
    // The container waits until the hosts file changes (Podman rewrites it in place, e.g. on
    // `podman network connect`; the test rewrites it as Podman does), then prints both files.
    auto d = run_vm({"-d", kImage, "sh", "-c",
                     "cat /etc/hosts; echo ===; cat /etc/resolv.conf; echo ===; i=0; "
                     "while ! grep -q strata-rewritten /etc/hosts && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done; "
                     "grep strata-rewritten /etc/hosts"});
    ASSERT_EQ(d.status, 0) << d.err;
    std::string hosts_path = inspect("{{.HostsPath}}"), resolv_path = inspect("{{.ResolvConfPath}}");
    ASSERT_FALSE(hosts_path.empty());
    ASSERT_FALSE(resolv_path.empty());
    std::string hosts = read_text(hosts_path), resolv = read_text(resolv_path);
    // Wait for the guest's first read before the rewrite.
    auto separators = [&] {
        std::string out = env->run({"logs", name}).out;
        size_t n = 0;
        for (size_t at = out.find("===\n"); at != std::string::npos; at = out.find("===\n", at + 1)) ++n;
        return n;
    };
    bool printed = false;
    for (int i = 0; i < 1200 && !printed; ++i) {
        printed = separators() >= 2;
        if (!printed) usleep(200000);
    }
    ASSERT_TRUE(printed) << env->run({"logs", name}).err;
    {
        std::ofstream f(hosts_path, std::ios::app);  // in place: the bind mounts keep the inode
        f << "10.9.9.9 strata-rewritten\n";
    }
    auto w = env->run({"wait", name}, kBoot);
    EXPECT_EQ(w.out, "0\n") << w.err;
    auto logs = env->run({"logs", name});
    EXPECT_EQ(logs.out, hosts + "===\n" + resolv + "===\n10.9.9.9 strata-rewritten\n") << logs.err;
    EXPECT_NE(hosts.find(name), std::string::npos) << "Podman's hosts names the container: " << hosts;
}

}  // namespace
}  // namespace strata::test
