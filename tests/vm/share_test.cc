// The vm substrate's file share (vm/share/share.h): config.json's bind mounts reach the guest
// through one virtio-9p device. Each test boots one guest; Debian's cloud kernel has no 9p, so
// without strata's own kernel these boot Debian's generic one (linux-image-amd64).

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "tests/vm/vm_fixture.h"

namespace strata::test {
namespace {

class VmShare : public Vm {
protected:
    void SetUp() override {
        Vm::SetUp();
        if (IsSkipped() || HasFailure()) return;
        id = "share-" + std::to_string(getpid());
    }
    void bind(const std::string& source, const std::string& dest, std::vector<std::string> options) {
        bundle->config["mounts"].push_back({{"destination", dest}, {"type", "bind"}, {"source", source}, {"options", options}});
    }
    CmdResult run(const std::vector<std::string>& args) {
        bundle->set_args(args);
        return strata({"run", "-b", bundle->path(), id}, "", kBoot);
    }
    static std::string owner_of(const std::string& path) {
        struct stat st{};
        if (::stat(path.c_str(), &st) < 0) return "missing";
        return std::to_string(st.st_uid) + ":" + std::to_string(st.st_gid);
    }

    std::string id;
    static constexpr auto kBoot = std::chrono::seconds(180);  // a loaded machine under TCG
};

TEST_F(VmShare, DirectoryReadWriteGoesThroughToTheHost) {
    TempDir dir("strata-share");
    write_text(dir.path() + "/from-host", "host-data\n");
    ::mkdir((dir.path() + "/sub").c_str(), 0755);
    bind(dir.path(), "/data", {"rbind", "rw"});
    for (const char* set : {"bounding", "effective", "permitted"})
        bundle->config["process"]["capabilities"][set].push_back("CAP_CHOWN");
    auto r = run({"sh", "-c",
                  "cat /data/from-host; echo guest-data > /data/sub/from-guest && chown 1234:5678 /data/sub/from-guest; "
                  "grep ' /data ' /proc/mounts | cut -d' ' -f3; ls /run/strata 2>&1 | head -1"});
    ASSERT_EQ(r.status, 0) << r.err;
    std::istringstream lines(r.out);
    std::string read, fstype, private_dir;
    std::getline(lines, read);
    std::getline(lines, fstype);
    std::getline(lines, private_dir);
    EXPECT_EQ(read, "host-data");
    EXPECT_EQ(fstype, "9p");
    // The share's own mount stays outside the workload's root.
    EXPECT_NE(private_dir.find("No such file"), std::string::npos) << private_dir;
    EXPECT_EQ(read_text(dir.path() + "/sub/from-guest"), "guest-data\n");
    // passthrough: the guest's owners are the host's (docs/design/vm.md, "Files: the 9p share").
    EXPECT_EQ(owner_of(dir.path() + "/sub/from-guest"), "1234:5678") << r.err;
    EXPECT_EQ(r.err.find("not available inside the VM"), std::string::npos) << r.err;
}

TEST_F(VmShare, TheHostSideOfEveryBindIsNodev) {
    // The 9p server opens files as root, outside the container's device rules: a device node a
    // guest makes in a volume must not open the host's device however the guest asks. So the
    // staged copy of every bind is nodev on the host, whatever config.json says (here: nothing).
    TempDir dir("strata-share");
    bind(dir.path(), "/data", {"rbind", "rw"});
    bundle->set_args({"sh", "-c", "echo up; sleep 60"});
    ASSERT_EQ(strata.detached({"run", "-d", "-b", bundle->path(), id}, log_path()).status, 0);
    ASSERT_TRUE(eventually([&] { return read_text(log_path()).find("up") != std::string::npos; }, 120000))
        << read_text(log_path());
    auto st = nlohmann::json::parse(strata({"state", id}).out);
    const std::string mountinfo = read_text("/proc/" + std::to_string(st["pid"].get<int>()) + "/mountinfo");
    int entries = 0;
    std::istringstream lines(mountinfo);
    for (std::string line; std::getline(lines, line);) {
        if (line.find("/vm/share/") == std::string::npos) continue;
        ++entries;
        // Field 6 is the per-mount options: "rw,nodev,relatime".
        std::istringstream f(line);
        std::string field;
        for (int i = 0; i < 6; ++i) f >> field;
        EXPECT_NE(("," + field + ",").find(",nodev,"), std::string::npos) << line;
    }
    EXPECT_EQ(entries, 1) << mountinfo;
    EXPECT_EQ(strata({"delete", "--force", id}).status, 0);
}

TEST_F(VmShare, ReadOnlyBindRefusesWritesWithErofs) {
    TempDir dir("strata-share");
    write_text(dir.path() + "/file", "original\n");
    bind(dir.path(), "/data", {"bind", "ro"});
    // A cold boot (the other tests restore the share-shaped template).
    bundle->config["annotations"]["org.strata.vm.template"] = "off";
    auto r = run({"sh", "-c", "cat /data/file; echo x > /data/new; echo y >> /data/file; exit 0"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "original\n");
    EXPECT_NE(r.err.find("Read-only file system"), std::string::npos) << r.err;
    EXPECT_EQ(access((dir.path() + "/new").c_str(), F_OK), -1);
    EXPECT_EQ(read_text(dir.path() + "/file"), "original\n");
}

TEST_F(VmShare, SingleFileBindsInConfigOrderAndShmIsTheGuestsTmpfs) {
    TempDir dir("strata-share");
    write_text(dir.path() + "/hosts", "10.1.2.3 fromhost\n");
    write_text(dir.path() + "/greeting", "hello\n");
    // A file at a path the image lacks (created in the guest), then a file over a file of a
    // directory bound before it: config.json's order holds.
    bind(dir.path() + "/hosts", "/etc/hosts", {"bind", "ro"});
    ::mkdir((dir.path() + "/d").c_str(), 0755);
    write_text(dir.path() + "/d/inner", "from-dir\n");
    bind(dir.path() + "/d", "/opt/d", {"rbind"});
    bind(dir.path() + "/greeting", "/opt/d/inner", {"bind"});
    bind("/dev/shm", "/dev/shm", {"bind"});
    auto r = run({"sh", "-c",
                  "cat /etc/hosts /opt/d/inner; echo more >> /opt/d/inner; "
                  "grep ' /dev/shm ' /proc/mounts | tail -1 | cut -d' ' -f3; touch /dev/shm/strata-guest-$$ && echo shm-ok"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "10.1.2.3 fromhost\nhello\ntmpfs\nshm-ok\n");
    EXPECT_EQ(read_text(dir.path() + "/greeting"), "hello\nmore\n");
    EXPECT_EQ(read_text(dir.path() + "/d/inner"), "from-dir\n");
}

TEST_F(VmShare, SymlinkPointingOutsideTheShareResolvesInTheGuest) {
    // A host file outside the shared directory, and links to it from inside: absolute, and
    // relative climbing out. 9p hands the guest the link; the guest resolves it in its own tree.
    TempDir outside("strata-share-secret");
    write_text(outside.path() + "/secret", "host-only-secret\n");
    TempDir dir("strata-share");
    ASSERT_EQ(::symlink((outside.path() + "/secret").c_str(), (dir.path() + "/abs").c_str()), 0);
    std::string up = "../" + outside.path().substr(outside.path().rfind('/') + 1) + "/secret";
    ASSERT_EQ(::symlink(up.c_str(), (dir.path() + "/rel").c_str()), 0);
    ASSERT_EQ(::symlink("/etc/shadow", (dir.path() + "/shadow").c_str()), 0);
    bind(dir.path(), "/data", {"rbind", "rw"});
    auto r = run({"sh", "-c", "readlink /data/abs; cat /data/abs /data/rel /data/shadow 2>&1; exit 0"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out.substr(0, r.out.find('\n')), outside.path() + "/secret");
    EXPECT_EQ(r.out.find("host-only-secret"), std::string::npos) << r.out;
    std::string shadow = read_text("/etc/shadow");
    if (!shadow.empty()) {
        EXPECT_EQ(r.out.find(shadow.substr(0, shadow.find('\n'))), std::string::npos) << r.out;
    }
}

TEST_F(VmShare, RewriteOfABoundFileOnTheHostShowsInTheGuest) {
    // Podman rewrites /etc/hosts and /etc/resolv.conf in place while the container runs.
    TempDir dir("strata-share");
    write_text(dir.path() + "/resolv.conf", "nameserver 10.0.0.1\n");
    ::mkdir((dir.path() + "/sig").c_str(), 0755);
    bind(dir.path() + "/resolv.conf", "/etc/resolv.conf", {"bind", "ro"});
    bind(dir.path() + "/sig", "/sig", {"bind"});
    CmdResult r;
    std::thread guest([&] {
        r = run({"sh", "-c",
                 "cat /etc/resolv.conf; touch /sig/ready; i=0; "
                 "while grep -q 10.0.0.1 /etc/resolv.conf && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; "
                 "cat /etc/resolv.conf"});
    });
    bool ready = eventually([&] { return access((dir.path() + "/sig/ready").c_str(), F_OK) == 0; }, 170000);
    {
        std::ofstream f(dir.path() + "/resolv.conf", std::ios::trunc);  // same inode
        f << "nameserver 10.0.0.2\n";
    }
    guest.join();
    ASSERT_TRUE(ready) << r.err;
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "nameserver 10.0.0.1\nnameserver 10.0.0.2\n");
}

TEST_F(VmShare, SiblingsRestoredFromOneTemplateEachSeeTheirOwnShare) {
    // The template's 9p device exported an empty placeholder; each restored VM exports its own.
    std::string log = root.path() + "/debug.log";
    const auto mounts = bundle->config["mounts"];
    for (int i = 0; i < 2; ++i) {
        TempDir dir("strata-share");
        write_text(dir.path() + "/which", "sibling-" + std::to_string(i) + "\n");
        bundle->config["mounts"] = mounts;
        bind(dir.path(), "/data", {"bind"});
        bundle->set_args({"sh", "-c", "cat /data/which; ls /data | wc -l"});
        auto r = strata({"--debug", "--log", log, "run", "-b", bundle->path(), id + "-" + std::to_string(i)}, "", kBoot);
        ASSERT_EQ(r.status, 0) << r.err;
        EXPECT_EQ(r.out, "sibling-" + std::to_string(i) + "\n1\n");
    }
    std::string text = read_text(log);
    EXPECT_NE(text.find("restored from template"), std::string::npos) << text;
}

TEST_F(VmShare, VanishedSourceFailsCreateAndLeavesNothing) {
    TempDir dir("strata-share");
    bind(dir.path(), "/data", {"bind"});
    bind(dir.path() + "/gone", "/gone", {"bind"});
    bundle->set_args({"true"});
    auto r = strata({"create", "-b", bundle->path(), id}, "", kBoot);
    EXPECT_EQ(r.status, 1);
    // mounts[0..] of the busybox bundle come first; ours is the last one.
    size_t n = bundle->config["mounts"].size() - 1;
    EXPECT_NE(r.err.find("config.json: .mounts[" + std::to_string(n) + "].source \"" + dir.path() + "/gone\""), std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("ENOENT"), std::string::npos) << r.err;
    size_t errors = 0;
    std::istringstream lines(r.err);
    for (std::string l; std::getline(lines, l);) errors += l.starts_with("strata: ") && !l.starts_with("strata: warning");
    EXPECT_EQ(errors, 1u) << "one error line: " << r.err;
    EXPECT_EQ(strata({"list", "-q"}).out, "");
    EXPECT_EQ(access((root.path() + "/" + id).c_str(), F_OK), -1) << "state left behind";
    EXPECT_EQ(our_inits(), std::vector<int>{});
    EXPECT_EQ(mounts_containing(dir.path()), std::vector<std::string>{});
    EXPECT_EQ(mounts_containing(root.path()), std::vector<std::string>{});
    EXPECT_EQ(processes_matching(root.path() + "/" + id), std::vector<int>{}) << "QEMU left behind";
}

TEST_F(VmShare, AKernelWithout9pIsRefusedByName) {
    std::string cloud = run_cmd({"sh", "-c", "ls /boot/vmlinuz-*-cloud-amd64 2>/dev/null | sort -V | tail -1"}).out;
    STRATA_REQUIRE(!cloud.empty(), "no Debian cloud kernel (linux-image-cloud-amd64), the kernel without 9p");
    cloud.pop_back();
    TempDir dir("strata-share");
    bind(dir.path(), "/data", {"bind"});
    bundle->config["annotations"]["org.strata.vm.kernel"] = cloud;
    bundle->set_args({"true"});
    auto r = strata({"run", "-b", bundle->path(), id}, "", kBoot);
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("guest kernel \"" + cloud + "\" has no 9p file system"), std::string::npos) << r.err;
    EXPECT_EQ(strata({"list", "-q"}).out, "");
    EXPECT_EQ(mounts_containing(dir.path()), std::vector<std::string>{});
    EXPECT_EQ(processes_matching(root.path() + "/" + id), std::vector<int>{});
}

// The same share on strata's own VMM: its virtio-9p device (vmm/devices/virtio/p9) in place of
// QEMU's. Like the other own-VMM tests it can only run where the CPU has vmx/svm; elsewhere it
// says that it did not run and why (the server and device have unit tests that run everywhere).
TEST_F(VmShare, OwnVmmSharesReadWriteAndReadOnlyBinds) {
    if (!host["kvmAccelerated"].get<bool>())
        GTEST_SKIP() << "did not run: strata's own VMM needs hardware virtualization and this host has none ("
                     << host["reason"].get<std::string>() << ")";
    TempDir rw("strata-share"), ro("strata-share-ro");
    write_text(rw.path() + "/from-host", "host-data\n");
    write_text(ro.path() + "/file", "original\n");
    bind(rw.path(), "/data", {"rbind", "rw"});
    bind(ro.path(), "/ro", {"bind", "ro"});
    bundle->set_args({"sh", "-c",
                      "cat /data/from-host; echo guest-data > /data/from-guest; ls /data | wc -l; "
                      "echo x > /ro/new; cat /ro/file; exit 0"});
    auto r = strata({"run", "--vm-backend", "own", "-b", bundle->path(), id}, "", kBoot);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "host-data\n2\noriginal\n");
    EXPECT_NE(r.err.find("Read-only file system"), std::string::npos) << r.err;
    EXPECT_EQ(read_text(rw.path() + "/from-guest"), "guest-data\n");
    EXPECT_EQ(access((ro.path() + "/new").c_str(), F_OK), -1);
}

}  // namespace
}  // namespace strata::test
