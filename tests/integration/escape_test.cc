// Regression tests for every class of runtime escape that hit runc and crun (see
// shared research: oci-runtimes.md §3). Each one is a real container; each must fail for the
// attacker. Numbers refer to the security issue's list.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "tests/integration/fixture.h"

namespace strata::test {
namespace {

// Runs against the racing swapper. The sanitizer build's runs take ~0.7 s each and are there for
// memory errors on this path; the race itself gets the normal build's 1000 (scripts/test.sh runs
// both).
#ifdef __SANITIZE_ADDRESS__
constexpr int kRacingRuns = 100;
#else
constexpr int kRacingRuns = 1000;
#endif

namespace fs = std::filesystem;

std::string sha256(const std::string& path) {
    auto r = run_cmd({"sha256sum", path});
    return r.out.substr(0, 64);
}

std::set<std::string> mount_points() {
    std::set<std::string> out;
    std::istringstream in(read_text("/proc/self/mountinfo"));
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream f(line);
        std::string id, parent, dev, root_field, point;
        f >> id >> parent >> dev >> root_field >> point;
        out.insert(point);
    }
    return out;
}

// Mount points that appeared since `before`, except in other tests' scratch trees (tests of other
// checkouts may mount and unmount there meanwhile) - unless under `ours`.
std::set<std::string> new_mounts(const std::set<std::string>& before, const std::string& ours) {
    std::set<std::string> out;
    for (const auto& m : mount_points()) {
        if (before.count(m)) continue;
        bool scratch = m.rfind("/tmp/strata-", 0) == 0 || m.rfind("/var/tmp/strata-", 0) == 0;
        if (!scratch || (!ours.empty() && m.rfind(ours, 0) == 0)) out.insert(m);
    }
    return out;
}

std::set<std::string> listing(const std::string& dir) {
    std::set<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied))
        out.insert(e.path().string());
    return out;
}

class Escape : public ContainerTest {};

// 1. CVE-2019-5736: the runtime binary cannot be overwritten from inside while `exec` runs, also
// when the container's command is "#!/proc/self/exe".
TEST_F(Escape, RuntimeBinaryCannotBeOverwrittenThroughProcExe) {
    // A copy of strata under test: if the protection failed, only the copy is damaged.
    TempDir bin("strata-victim");
    std::string victim = bin.path() + "/strata";
    fs::copy_file(strata_bin(), victim);
    std::string before = sha256(victim);
    fs::copy_file(ATTACKER_EXE_OVERWRITE, bundle->rootfs() + "/attacker");
    write_text(bundle->rootfs() + "/evil", "#!/proc/self/exe\n");
    chmod((bundle->rootfs() + "/evil").c_str(), 0755);
    bundle->set_args({"/attacker", "4"});
    auto run = run_cmd_to_file({victim, "--root", root.path(), "run", "-d", "-b", bundle->path(), "victim"}, log_path());
    ASSERT_EQ(run.status, 0) << run.out;
    // Exec into it again and again while the attacker scans, including the interpreter trick.
    for (int i = 0; i < 15; ++i) {
        run_cmd({victim, "--root", root.path(), "exec", "victim", "/evil"});
        run_cmd({victim, "--root", root.path(), "exec", "victim", "sh", "-c", "sleep 0.05"});
    }
    ASSERT_TRUE(eventually([&] { return status_of("victim") == "stopped"; }, 15000));
    std::string out = read_text(log_path());
    EXPECT_NE(out.find("writes=0 "), std::string::npos) << out;
    // It did see runtime processes (the exec guard's sealed memfd), so the test tested something.
    EXPECT_NE(out.find("memfd:strata-exec"), std::string::npos) << out;
    EXPECT_EQ(sha256(victim), before);
}

// 2. CVE-2024-21626: no host fd reaches an exec'd process, and its cwd is never outside the root.
TEST_F(Escape, NoHostFdReachesExecAndCwdStaysInside) {
    bundle->set_args({"sleep", "100"});
    ASSERT_EQ(strata.detached({"run", "-d", "-b", bundle->path(), "fds"}, log_path()).status, 0);
    auto r = run_cmd({"sh", "-c", "exec 7</etc 8</; exec \"$@\"", "sh", strata_bin(), "--root", root.path(), "exec", "fds",
                      "sh", "-c", "ls /proc/self/fd; pwd"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "0\n1\n2\n3\n/\n") << r.out;  // 3 is ls's directory
    auto cwd = run_cmd({"sh", "-c", "exec 7</etc; exec \"$@\"", "sh", strata_bin(), "--root", root.path(), "exec", "--cwd",
                        "/proc/self/fd/7", "fds", "pwd"});
    EXPECT_NE(cwd.status, 0);
    EXPECT_EQ(cwd.out.find("unreachable"), std::string::npos) << cwd.out;
}

// 3. CVE-2021-30465 / CVE-2024-45310: mount destinations through symlinks (absolute and ".."
// chains) stay inside the rootfs.
TEST_F(Escape, MountDestinationsThroughSymlinksStayInTheRootfs) {
    TempDir host("strata-escape-target");
    write_text(host.path() + "/canary", "untouched");
    auto before_host = listing(host.path());
    auto before_mounts = mount_points();
    fs::create_symlink(host.path(), bundle->rootfs() + "/abs");
    fs::create_symlink("../../../../../../../../.." + host.path(), bundle->rootfs() + "/rel");
    bundle->config["root"]["readonly"] = false;
    bundle->config["mounts"].push_back({{"destination", "/abs/a"}, {"type", "tmpfs"}, {"source", "tmpfs"}});
    bundle->config["mounts"].push_back({{"destination", "/rel/b/c"}, {"type", "tmpfs"}, {"source", "tmpfs"}});
    bundle->config["mounts"].push_back({{"destination", "/abs/file"}, {"type", "bind"}, {"source", "/etc/hostname"}, {"options", {"bind"}}});
    bundle->set_args({"sh", "-c", "mount | grep -c " + host.path()});
    auto r = strata({"run", "-b", bundle->path(), "sym"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "3\n");  // the mounts exist - under the rootfs's own copy of that path
    EXPECT_EQ(listing(host.path()), before_host);
    EXPECT_EQ(read_text(host.path() + "/canary"), "untouched");
    EXPECT_EQ(new_mounts(before_mounts, host.path()), std::set<std::string>{});
    EXPECT_TRUE(fs::exists(bundle->rootfs() + host.path() + "/b"));  // created inside instead
}

// 3. The race: a running container swaps a directory of a shared volume for a symlink to "/"
// while another container, whose mounts go through that directory, is created again and again.
TEST_F(Escape, RacingSymlinkSwapOnASharedVolume) {
    TempDir volume("strata-escape-volume");
    fs::create_directory(volume.path() + "/target");
    auto before_mounts = mount_points();
    auto before_root = listing("/tmp");
    // The attacker: swaps volume/target between a directory and a symlink to / forever.
    auto attacker = Bundle::busybox();
    attacker.config["mounts"].push_back({{"destination", "/shared"}, {"type", "bind"}, {"source", volume.path()}, {"options", {"rbind"}}});
    attacker.set_args({"sh", "-c", "cd /shared; while :; do mv target t2 && ln -s / target && rm target && mv t2 target; done 2>/dev/null"});
    ASSERT_EQ(strata.detached({"run", "-d", "-b", attacker.path(), "swapper"}, log_path()).status, 0);
    // The victim: mounts a tmpfs and makes a directory through the swapped path.
    bundle->config["mounts"].push_back({{"destination", "/shared"}, {"type", "bind"}, {"source", volume.path()}, {"options", {"rbind"}}});
    bundle->config["mounts"].push_back({{"destination", "/shared/target/x"}, {"type", "tmpfs"}, {"source", "tmpfs"}});
    bundle->set_args({"true"});
    int ok = 0, refused = 0;
    for (int i = 0; i < kRacingRuns; ++i) {
        auto r = strata({"run", "-b", bundle->path(), "victim" + std::to_string(i)});
        (r.status == 0 ? ok : refused)++;
        ASSERT_TRUE(r.status == 0 || r.status == 1) << r.err;  // fails cleanly or runs; never hangs
    }
    strata({"delete", "--force", "swapper"});
    EXPECT_EQ(new_mounts(before_mounts, volume.path()), std::set<std::string>{}) << "a mount leaked onto the host";
    EXPECT_FALSE(fs::exists("/x"));
    // Against the listing from before: another checkout's tests may have made a /tmp/x.
    EXPECT_EQ(listing("/tmp").count("/tmp/x"), before_root.count("/tmp/x"));
    EXPECT_GT(ok, 0);
    std::cout << "runs: " << ok << " ok, " << refused << " refused cleanly\n";
}

// 4. CVE-2019-16884 / CVE-2023-27561: /proc or /sys as a symlink in the rootfs is refused.
TEST_F(Escape, ProcOrSysAsASymlinkIsRefused) {
    for (const char* dir : {"proc", "sys"}) {
        auto b = Bundle::busybox();
        fs::remove_all(b.rootfs() + "/" + dir);
        fs::create_directory(b.rootfs() + "/fake");
        fs::create_symlink("/fake", b.rootfs() + "/" + dir);
        b.set_args({"true"});
        auto r = strata({"run", "-b", b.path(), std::string("sym-") + dir});
        EXPECT_EQ(r.status, 1) << dir;
        EXPECT_NE(r.err.find(std::string("\"/") + dir + "\" in rootfs is or passes through a symlink"), std::string::npos) << r.err;
        EXPECT_TRUE(fs::is_empty(b.rootfs() + "/fake")) << dir;
    }
}

// 4. CVE-2025-52881: with a bind mount over /proc/sys/..., a sysctl write fails instead of landing
// in the mounted file.
TEST_F(Escape, SysctlWriteFailsWhenSomethingIsMountedOverProcSys) {
    TempDir host("strata-escape-sysctl");
    write_text(host.path() + "/decoy", "decoy\n");
    bundle->config["mounts"].push_back({{"destination", "/proc/sys/net/ipv4/ip_forward"}, {"type", "bind"},
                                        {"source", host.path() + "/decoy"}, {"options", {"bind"}}});
    bundle->config["linux"]["sysctl"] = {{"net.ipv4.ip_forward", "1"}};
    bundle->set_args({"true"});
    auto r = strata({"run", "-b", bundle->path(), "sysctl"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("sysctl \"net.ipv4.ip_forward\""), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("EXDEV"), std::string::npos) << r.err;
    EXPECT_EQ(read_text(host.path() + "/decoy"), "decoy\n");
}

// 5. CVE-2025-31133: maskedPaths with a rootfs whose /dev/null is a symlink to a procfs file.
TEST_F(Escape, MaskingDoesNotFollowAFakeDevNull) {
    // Without a /dev tmpfs the image's own /dev is used, as in the attack.
    auto& m = bundle->config["mounts"];
    for (size_t i = 0; i < m.size(); ++i)
        if (m[i]["destination"] == "/dev") m.erase(i);
    fs::create_directories(bundle->rootfs() + "/dev");
    fs::create_symlink("/proc/sys/kernel/core_pattern", bundle->rootfs() + "/dev/null");
    std::string core_before = read_text("/proc/sys/kernel/core_pattern");
    bundle->config["root"]["readonly"] = false;
    bundle->config["linux"]["maskedPaths"] = {"/proc/cpuinfo", "/proc/sys/kernel/core_pattern"};
    // The write goes into the null device bound over the file, never to the kernel setting.
    bundle->set_args({"sh", "-c", "wc -c < /proc/cpuinfo; wc -c < /proc/sys/kernel/core_pattern; "
                                  "echo '|/tmp/pwn' > /proc/sys/kernel/core_pattern 2>/dev/null; "
                                  "stat -c %t:%T /proc/sys/kernel/core_pattern /dev/null"});
    auto r = strata({"run", "-b", bundle->path(), "mask"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "0\n0\n1:3\n1:3\n");
    EXPECT_EQ(read_text("/proc/sys/kernel/core_pattern"), core_before);
}

// 6. runc CVE-2026-41579 / crun CVE-2026-47766: a rootfs whose /dev is a symlink to elsewhere;
// nothing is created or removed outside the rootfs.
TEST_F(Escape, DevAsASymlinkCreatesNothingOutside) {
    TempDir host("strata-escape-dev");
    write_text(host.path() + "/canary", "x");
    auto before = listing(host.path());
    for (std::string target : {host.path(), std::string("../../../../../..") + host.path()}) {
        auto b = Bundle::busybox();
        fs::remove_all(b.rootfs() + "/dev");
        fs::create_symlink(target, b.rootfs() + "/dev");
        b.config["process"]["terminal"] = false;
        b.set_args({"sh", "-c", "ls /dev >/dev/null && echo ok"});
        auto r = strata({"run", "-b", b.path(), "devsym"});
        EXPECT_EQ(listing(host.path()), before) << "something changed outside the rootfs via " << target;
        EXPECT_EQ(read_text(host.path() + "/canary"), "x");
        if (r.status == 0) {
            EXPECT_EQ(r.out, "ok\n");
        }
    }
}

}  // namespace
}  // namespace strata::test
