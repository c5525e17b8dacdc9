// Configs that runc and crun run, from an OCI conformance run (issue 16): each one must run
// here too, or fail with a reason where the kernel cannot do it.

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/integration/fixture.h"

namespace strata::test {
namespace {

class Conformance : public ContainerTest {
protected:
    CmdResult run_sh(const std::string& script, const std::string& id = "conf") {
        bundle->set_args({"sh", "-c", script});
        return strata({"run", "-b", bundle->path(), id + "-" + std::to_string(::getpid())});
    }
};

// The optional fields of the container's "/" line in its own mountinfo ("shared:5", "master:3",
// "unbindable", or "" for private).
std::string root_propagation(const std::string& mountinfo) {
    std::istringstream in(mountinfo);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream f(line);
        std::vector<std::string> fields;
        for (std::string w; f >> w;) fields.push_back(w);
        if (fields.size() < 7 || fields[4] != "/") continue;
        std::string out;
        for (size_t i = 6; i < fields.size() && fields[i] != "-"; ++i) out += (out.empty() ? "" : " ") + fields[i];
        return out;
    }
    return "no root in mountinfo";
}

// linux.rootfsPropagation: crun runs all eight values, runc the shared ones too. pivot_root
// used to fail with EINVAL for shared (the rootfs's parent mount was shared) and the rootfs
// bind with EINVAL for unbindable.
TEST_F(Conformance, EveryRootfsPropagationRuns) {
    // A shared mount of the host's, as /run/netns is on Debian: "shared" made the container's
    // copy a peer of it, and detaching the old root then unmounted it on the host too.
    TempDir shared("strata-shared");
    ASSERT_EQ(run_cmd({"sh", "-c", "mount -t tmpfs strata-shared " + shared.path() + " && mount --make-shared " + shared.path()}).status, 0);
    const std::string host_before = read_text("/proc/self/mountinfo");
    struct Case {
        const char* value;
        const char* expect;  // prefix of the root's optional fields
    };
    for (Case c : {Case{"shared", "shared:"}, Case{"rshared", "shared:"}, Case{"slave", ""}, Case{"rslave", ""},
                   Case{"private", ""}, Case{"rprivate", ""}, Case{"unbindable", "unbindable"},
                   Case{"runbindable", "unbindable"}}) {
        SCOPED_TRACE(c.value);
        bundle->config["linux"]["rootfsPropagation"] = c.value;
        auto r = run_sh("cat /proc/self/mountinfo", std::string("prop-") + c.value);
        ASSERT_EQ(r.status, 0) << r.err;
        std::string got = root_propagation(r.out);
        EXPECT_EQ(got.substr(0, std::string(c.expect).size()), c.expect) << r.out;
        if (std::string(c.expect).empty()) {
            EXPECT_EQ(got, "") << r.out;
        }
    }
    // The host's own mounts kept their propagation, and its shared mount is still there.
    EXPECT_EQ(root_propagation(read_text("/proc/self/mountinfo")), root_propagation(host_before));
    EXPECT_EQ(mounts_containing(shared.path()).size(), 1u);
    run_cmd({"umount", "-l", shared.path()});
}

// Options that do not apply to a bind (a conformance config had "mode=755" on one, runc and
// crun ignore them): the bind is made, and --debug says what was ignored.
TEST_F(Conformance, BindMountIgnoresFilesystemOptions) {
    TempDir vol("strata-vol");
    write_text(vol.path() + "/hello", "from the host\n");
    bundle->config["mounts"].push_back({{"destination", "/mnt"}, {"type", "bind"}, {"source", vol.path()},
                                        {"options", {"rbind", "ro", "mode=755", "size=64k", "nr_inodes=8"}}});
    bundle->set_args({"sh", "-c", "cat /mnt/hello; touch /mnt/x 2>/dev/null || echo read-only"});
    std::string id = "bindopts-" + std::to_string(::getpid());
    auto r = strata({"--debug", "run", "-b", bundle->path(), id});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "from the host\nread-only\n");
    EXPECT_NE(r.err.find("\"mode=755\" does not apply to a bind mount; ignored"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("\"size=64k\" does not apply to a bind mount; ignored"), std::string::npos) << r.err;
}

// Inputs the kernel takes as they are, which runc passes on: a umask with bits beyond 0777,
// relative maskedPaths/readonlyPaths (resolved from the container's root) and a cgroupsPath
// whose ".." is resolved lexically.
TEST_F(Conformance, LenientWhereTheKernelIsLenient) {
    bundle->config["process"]["user"]["umask"] = 07022;
    bundle->config["linux"]["maskedPaths"] = {"proc/cpuinfo"};
    bundle->config["linux"]["readonlyPaths"] = {"tmp"};
    std::string pid = std::to_string(::getpid());
    bundle->config["linux"]["cgroupsPath"] = "strata/a/../c..-" + pid;
    auto r = run_sh("umask; wc -c < /proc/cpuinfo; touch /tmp/x 2>/dev/null || echo ro", "lenient");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "0022\n0\nro\n") << r.out;
}

// No mount namespace: valid, and runc and crun run it in the caller's mount namespace. strata
// chroots to the rootfs and mounts nothing (a mount would be the host's), so the host's mount
// table is the same before, during and after; exec enters the same root.
TEST_F(Conformance, NoMountNamespaceRunsInTheCallersMounts) {
    auto& ns = bundle->config["linux"]["namespaces"];
    for (auto it = ns.begin(); it != ns.end();)
        it = (*it)["type"] == "mount" ? ns.erase(it) : it + 1;
    bundle->config["root"]["readonly"] = false;
    write_text(bundle->rootfs() + "/marker", "in the rootfs\n");
    const std::string host_mounts = read_text("/proc/self/mountinfo");
    bundle->set_args({"sh", "-c", "cat /marker; readlink /proc/1/ns/mnt 2>/dev/null || echo no-proc; sleep 30"});
    std::string id = "nomntns-" + std::to_string(::getpid());
    auto c = strata.detached({"create", "-b", bundle->path(), id}, log_path());
    ASSERT_EQ(c.status, 0) << c.out;
    EXPECT_NE(c.out.find("no mount namespace"), std::string::npos) << c.out;  // the mounts it skipped
    ASSERT_EQ(strata({"start", id}).status, 0);
    EXPECT_TRUE(eventually([&] { return read_text(log_path()).find("no-proc") != std::string::npos; })) << read_text(log_path());
    EXPECT_NE(read_text(log_path()).find("in the rootfs\n"), std::string::npos) << read_text(log_path());
    auto e = strata({"exec", id, "cat", "/marker"});
    EXPECT_EQ(e.status, 0) << e.err;
    EXPECT_EQ(e.out, "in the rootfs\n");
    EXPECT_EQ(read_text("/proc/self/mountinfo"), host_mounts);
    EXPECT_EQ(strata({"delete", "--force", id}).status, 0);
    EXPECT_EQ(read_text("/proc/self/mountinfo"), host_mounts);
    // A read-only root would have to be made read-only on the host: refused, with the path.
    bundle->config["root"]["readonly"] = true;
    bundle->save();
    auto ro = strata({"create", "-b", bundle->path(), id + "-ro"});
    EXPECT_EQ(ro.status, 1);
    EXPECT_NE(ro.err.find(".root.readonly: needs a mount namespace"), std::string::npos) << ro.err;
}

// hostname with a uts namespace joined by path: runc sets it in that namespace.
TEST_F(Conformance, HostnameIsSetInAJoinedUtsNamespace) {
    // A uts namespace of the host's, held by a sleeping process.
    TempDir d("strata-uts");
    std::string pidfile = d.path() + "/pid";
    auto holder = run_cmd({"sh", "-c", "unshare --uts sh -c 'echo $$ > " + pidfile + "; exec sleep 30' >/dev/null 2>&1 &"});
    ASSERT_EQ(holder.status, 0) << holder.err;
    ASSERT_TRUE(eventually([&] { return !read_text(pidfile).empty(); }));
    int pid = std::stoi(read_text(pidfile));
    for (auto& n : bundle->config["linux"]["namespaces"])
        if (n["type"] == "uts") n["path"] = "/proc/" + std::to_string(pid) + "/ns/uts";
    bundle->config["hostname"] = "joined-uts";
    auto r = run_sh("hostname", "joined-uts");
    auto seen = run_cmd({"nsenter", "--uts=/proc/" + std::to_string(pid) + "/ns/uts", "hostname"});
    ::kill(pid, SIGKILL);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "joined-uts\n");
    EXPECT_EQ(seen.out, "joined-uts\n");  // set in the joined namespace, not in a new one
    char host[256] = {};
    ::gethostname(host, sizeof host);
    EXPECT_STRNE(host, "joined-uts");
}

// runc exits 0 for `delete --force` of a container that does not exist; Podman calls it after
// every failed create and printed strata's error twice more.
TEST_F(Conformance, DeleteForceOfAMissingContainerSucceeds) {
    auto r = strata({"delete", "--force", "nosuch-" + std::to_string(::getpid())});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    auto plain = strata({"delete", "nosuch-" + std::to_string(::getpid())});  // without --force: still an error
    EXPECT_EQ(plain.status, 1);
    EXPECT_NE(plain.err.find("does not exist"), std::string::npos) << plain.err;
    auto bad = strata({"delete", "--force", "../x"});  // an invalid id stays an error
    EXPECT_EQ(bad.status, 1);
}

// checkpoint and restore (runc's CRIU commands, called by containerd and Podman) say they are
// not supported, with the flags engines pass; an unknown command names itself.
TEST_F(Conformance, CheckpointAndRestoreSayTheyAreNotSupported) {
    auto c = strata({"checkpoint", "--image-path", "/tmp/x", "--work-path", "/tmp/y", "--leave-running", "c1"});
    EXPECT_EQ(c.status, 1);
    EXPECT_EQ(c.err, "strata: checkpoint is not supported: strata cannot checkpoint or restore containers (no CRIU support)\n");
    auto r = strata({"restore", "--detach", "--pid-file", "/tmp/p", "-no-subreaper", "--bundle", "/tmp/b", "c1"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "strata: restore is not supported: strata cannot checkpoint or restore containers (no CRIU support)\n");
    auto u = strata({"bogus"});
    EXPECT_EQ(u.status, 1);
    EXPECT_EQ(u.err, "strata: unknown command \"bogus\" (strata --help lists the commands)\n");
}

// runtime-spec 1.3 (runc 1.4 reports it): features says 1.3.0 and the Linux fields this kernel
// can do work; intelRdt, not implemented, is refused saying what the host lacks.
TEST_F(Conformance, Features13MemoryPolicyNetDevicesAndIntelRdt) {
    auto f = nlohmann::json::parse(strata({"features"}).out);
    EXPECT_EQ(f["ociVersionMax"], "1.3.0");
    EXPECT_EQ(f["linux"]["netDevices"]["enabled"], true);
    EXPECT_FALSE(f["linux"]["memoryPolicy"]["modes"].empty());
    // memoryPolicy: the process's policy, as numa_maps shows it.
    bundle->config["linux"]["memoryPolicy"] = {{"mode", "MPOL_BIND"}, {"nodes", "0"}, {"flags", {"MPOL_F_STATIC_NODES"}}};
    auto r = run_sh("head -1 /proc/self/numa_maps | cut -d' ' -f2", "mempol");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "bind=static:0\n");
    bundle->config["linux"]["memoryPolicy"] = {{"mode", "MPOL_BANANA"}};
    auto bad = run_sh("true", "mempol-bad");
    EXPECT_EQ(bad.status, 1);
    EXPECT_NE(bad.err.find(".linux.memoryPolicy.mode: unknown mode \"MPOL_BANANA\""), std::string::npos) << bad.err;
    bundle->config["linux"].erase("memoryPolicy");
    // netDevices: one end of a veth pair of the host (this kernel has no dummy driver),
    // renamed in the container's namespace.
    std::string dev = "stva" + std::to_string(::getpid() % 100000), peer = "stvb" + std::to_string(::getpid() % 100000);
    ASSERT_EQ(run_cmd({"ip", "link", "add", dev, "type", "veth", "peer", "name", peer}).status, 0);
    bundle->config["linux"]["netDevices"] = {{dev, {{"name", "ctr0"}}}};
    auto n = run_sh("ls /sys/class/net | sort | tr '\\n' ' '", "netdev");
    EXPECT_EQ(n.status, 0) << n.err;
    EXPECT_EQ(n.out, "ctr0 lo ");
    // Gone from the host: a virtual device goes with the container's namespace (its peer too).
    EXPECT_NE(run_cmd({"ip", "link", "show", dev}).status, 0);
    EXPECT_TRUE(eventually([&] { return run_cmd({"ip", "link", "show", peer}).status != 0; }));
    run_cmd({"ip", "link", "del", peer});
    bundle->config["linux"]["netDevices"] = {{"nosuchdev0", nlohmann::json::object()}};
    auto missing = run_sh("true", "netdev-missing");
    EXPECT_EQ(missing.status, 1);
    EXPECT_NE(missing.err.find(".linux.netDevices[\"nosuchdev0\"]: move network device \"nosuchdev0\": find it: ENODEV"), std::string::npos)
        << missing.err;
    bundle->config["linux"].erase("netDevices");
    // intelRdt: this host has no resctrl mount.
    bundle->config["linux"]["intelRdt"] = {{"closID", "guaranteed"}, {"l3CacheSchema", "L3:0=ff"}};
    auto rdt = run_sh("true", "rdt");
    EXPECT_EQ(rdt.status, 1);
    EXPECT_NE(rdt.err.find(".linux.intelRdt: "), std::string::npos) << rdt.err;
}

}  // namespace
}  // namespace strata::test
