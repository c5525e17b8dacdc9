// Each namespace isolates, as the foundation issue asks; checked from inside real containers.

#include <fcntl.h>
#include <sys/stat.h>

#include "tests/integration/fixture.h"

namespace strata::test {
namespace {

class Isolation : public ContainerTest {
protected:
    CmdResult run_sh(const std::string& script, const std::string& id = "iso") {
        bundle->set_args({"sh", "-c", script});
        return strata({"run", "-b", bundle->path(), id});
    }
};

TEST_F(Isolation, OwnHostname) {
    bundle->config["hostname"] = "box-42";
    auto r = run_sh("hostname");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "box-42\n");
    char host[256];
    gethostname(host, sizeof host);
    EXPECT_NE(std::string(host), "box-42");
}

TEST_F(Isolation, ProcessIsPidOneAndSeesNoHostProcesses) {
    auto r = run_sh("echo $$; ls /proc | grep -c '^[0-9]'");
    ASSERT_EQ(r.status, 0) << r.err;
    // pid 1 is the shell itself; the only other process is `ls` (grep runs after it exits
    // or alongside it): at most a handful, never the host's hundreds.
    std::istringstream in(r.out);
    int pid = 0, count = 0;
    in >> pid >> count;
    EXPECT_EQ(pid, 1);
    EXPECT_LE(count, 3);
}

TEST_F(Isolation, NewNetworkNamespaceHasOnlyLoopbackAndItIsUp) {
    auto r = run_sh("ls /sys/class/net; ip -o link show lo");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out.substr(0, 3), "lo\n") << r.out;
    EXPECT_NE(r.out.find("UP"), std::string::npos) << r.out;
}

TEST_F(Isolation, OwnMountTableWithoutHostMounts) {
    auto r = run_sh("cat /proc/self/mountinfo");
    ASSERT_EQ(r.status, 0) << r.err;
    // Field 5 is the mount point: "/" is the rootfs, and no host mount point is visible.
    std::istringstream in(r.out);
    std::string line;
    std::vector<std::string> points;
    while (std::getline(in, line)) {
        std::istringstream f(line);
        std::string id, parent, dev, root_field, point;
        f >> id >> parent >> dev >> root_field >> point;
        points.push_back(point);
    }
    ASSERT_FALSE(points.empty());
    EXPECT_EQ(points[0], "/");
    for (const auto& p : points) {
        EXPECT_EQ(p.find("/tmp/strata"), std::string::npos) << p;
        EXPECT_NE(p, "/work") << p;
    }
    // Nothing the container mounted appears on the host.
    EXPECT_TRUE(mounts_containing(bundle->rootfs()).empty());
}

TEST_F(Isolation, IpcNamespaceIsPrivate) {
    auto r = run_sh("readlink /proc/self/ns/ipc");
    ASSERT_EQ(r.status, 0) << r.err;
    std::string host(256, '\0');
    host.resize(readlink("/proc/self/ns/ipc", host.data(), host.size()));
    EXPECT_NE(r.out, host + "\n");
}

TEST_F(Isolation, UserNamespaceMapsIdsAsConfigured) {
    bundle->config["linux"]["namespaces"].push_back({{"type", "user"}});
    bundle->config["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}};
    bundle->config["linux"]["gidMappings"] = {{{"containerID", 0}, {"hostID", 200000}, {"size", 65536}}};
    bundle->config["root"]["readonly"] = false;  // /tmp of the rootfs is world-writable
    auto r = run_sh("id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map; touch /tmp/x && stat -c %u /tmp/x");
    ASSERT_EQ(r.status, 0) << r.err;
    std::istringstream in(r.out);
    std::string uid, gid, inside, host, size, ginside, ghost, gsize, owner;
    in >> uid >> gid >> inside >> host >> size >> ginside >> ghost >> gsize >> owner;
    EXPECT_EQ(uid, "0");
    EXPECT_EQ(gid, "0");
    EXPECT_EQ(host, "100000");
    EXPECT_EQ(size, "65536");
    EXPECT_EQ(ghost, "200000");
    EXPECT_EQ(owner, "0");
}

TEST_F(Isolation, ReadonlyRootRefusesWrites) {
    auto r = run_sh("(echo x > /etc/written) 2>/dev/null; echo $?; touch /tmp/x 2>/dev/null; echo $?");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "1\n1\n");  // /tmp is part of the read-only root here
    struct stat st;
    EXPECT_NE(stat((bundle->rootfs() + "/etc/written").c_str(), &st), 0);
    bundle->config["root"]["readonly"] = false;
    auto w = run_sh("echo x > /etc/written && echo wrote", "iso2");
    ASSERT_EQ(w.status, 0) << w.err;
    EXPECT_EQ(w.out, "wrote\n");
}

TEST_F(Isolation, MaskedPathsReadEmptyAndReadonlyPathsRefuseWrites) {
    bundle->config["linux"]["maskedPaths"] = {"/proc/cpuinfo", "/proc/driver", "/sys/firmware"};
    auto r = run_sh("wc -c < /proc/cpuinfo; ls /proc/driver | wc -l; echo 1 > /proc/sys/kernel/ns_last_pid 2>/dev/null; echo $?");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "0\n0\n1\n");
}

TEST_F(Isolation, DefaultCapabilitiesAreExactlyTheConfiguredOnes) {
    auto r = run_sh("grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb)' /proc/self/status");
    ASSERT_EQ(r.status, 0) << r.err;
    // CAP_AUDIT_WRITE(29), CAP_KILL(5), CAP_NET_BIND_SERVICE(10) = 0x20000420.
    EXPECT_NE(r.out.find("CapInh:\t0000000000000000"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("CapEff:\t0000000020000420"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("CapBnd:\t0000000020000420"), std::string::npos) << r.out;
}

TEST_F(Isolation, ProcessFieldsEnvCwdUserUmask) {
    bundle->config["process"]["env"] = {"PATH=/bin", "FOO=bar baz"};
    bundle->config["process"]["cwd"] = "/tmp";
    bundle->config["process"]["user"] = {{"uid", 65534}, {"gid", 65534}, {"additionalGids", {5, 7}}, {"umask", 63}};
    bundle->config["root"]["readonly"] = false;
    auto r = run_sh("echo $FOO; pwd; id -u; id -g; id -G; umask; echo $HOME");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "bar baz\n/tmp\n65534\n65534\n65534 5 7\n0077\n/nonexistent\n");
}

TEST_F(Isolation, RlimitsApplied) {
    bundle->config["process"]["rlimits"] = {{{"type", "RLIMIT_NOFILE"}, {"soft", 123}, {"hard", 456}},
                                            {{"type", "RLIMIT_CORE"}, {"soft", 0}, {"hard", 0}}};
    auto r = run_sh("ulimit -n; ulimit -Hn; ulimit -c");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "123\n456\n0\n");
}

TEST_F(Isolation, BindMountsAndTmpfs) {
    TempDir host("strata-bind");
    write_text(host.path() + "/hello", "from host\n");
    bundle->config["mounts"].push_back({{"destination", "/data"}, {"type", "bind"}, {"source", host.path()}, {"options", {"rbind", "ro"}}});
    bundle->config["mounts"].push_back({{"destination", "/scratch"}, {"type", "tmpfs"}, {"source", "tmpfs"}, {"options", {"size=1m", "mode=1777"}}});
    auto r = run_sh("cat /data/hello; echo x > /data/y 2>/dev/null || echo ro; echo ok > /scratch/f && cat /scratch/f; stat -c %a /scratch");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "from host\nro\nok\n1777\n");
}

TEST_F(Isolation, SysctlInNamespacedKeys) {
    bundle->config["linux"]["sysctl"] = {{"net.ipv4.ip_forward", "1"}, {"kernel.shmmax", "65536"}};
    auto r = run_sh("cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "1\n65536\n");
}

TEST_F(Isolation, TimeNamespaceOffsets) {
    bundle->config["linux"]["namespaces"].push_back({{"type", "time"}});
    bundle->config["linux"]["timeOffsets"] = {{"boottime", {{"secs", 86400 * 365}, {"nanosecs", 0}}}};
    auto r = run_sh("cut -d. -f1 /proc/uptime");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_GT(std::stol(r.out), 86400L * 365);
}

}  // namespace
}  // namespace strata::test

namespace strata::test {
namespace {

TEST_F(Isolation, NonNamespacedSysctlsAreRefused) {
    for (auto [key, why] : std::vector<std::pair<std::string, std::string>>{
             {"kernel.panic", "not a namespaced sysctl"}, {"vm.swappiness", "not a namespaced sysctl"},
             {"kernel.hostname", "set the hostname with the hostname field"}}) {
        bundle->config["linux"]["sysctl"] = {{key, "1"}};
        bundle->set_args({"true"});
        auto r = strata({"run", "-b", bundle->path(), "sysctl"});
        EXPECT_EQ(r.status, 1) << key;
        EXPECT_NE(r.err.find(".linux.sysctl[\"" + key + "\"]: " + why), std::string::npos) << r.err;
    }
    // net.* needs a private network namespace.
    auto& ns = bundle->config["linux"]["namespaces"];
    for (size_t i = 0; i < ns.size(); ++i)
        if (ns[i]["type"] == "network") ns.erase(i);
    bundle->config["linux"]["sysctl"] = {{"net.ipv4.ip_forward", "1"}};
    bundle->save();
    auto r = strata({"run", "-b", bundle->path(), "sysctl2"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("needs a private network namespace"), std::string::npos) << r.err;
}

TEST_F(Isolation, AnLsmTheHostDoesNotRunIsAClearError) {
    if (read_text("/sys/module/apparmor/parameters/enabled").starts_with("Y")) GTEST_SKIP() << "AppArmor runs here";
    bundle->config["process"]["apparmorProfile"] = "docker-default";
    bundle->set_args({"true"});
    auto r = strata({"run", "-b", bundle->path(), "aa"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find(".process.apparmorProfile: AppArmor is not enabled on this host"), std::string::npos) << r.err;
    auto f = nlohmann::json::parse(strata({"features"}).out);
    EXPECT_EQ(f["linux"]["apparmor"]["enabled"], false);
}

TEST_F(Isolation, PersonalitySchedulerAndIoPriority) {
    bundle->config["linux"]["personality"] = {{"domain", "LINUX32"}};
    bundle->config["process"]["scheduler"] = {{"policy", "SCHED_BATCH"}, {"nice", 5}};
    bundle->config["process"]["ioPriority"] = {{"class", "IOPRIO_CLASS_IDLE"}, {"priority", 0}};
    // Field 41 of /proc/self/stat is the policy (3 = SCHED_BATCH), 19 the nice value.
    bundle->set_args({"sh", "-c", "uname -m; cut -d' ' -f19,41 /proc/self/stat; ionice -p $$"});
    auto r = strata({"run", "-b", bundle->path(), "attrs"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "i686\n5 3\nidle\n");
}

}  // namespace
}  // namespace strata::test
