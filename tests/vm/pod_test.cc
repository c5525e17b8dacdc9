// The pod VM (runtime/pod.h, docs/design/kubernetes-cri.md "Micro-VM pods"), driven as containerd's
// CRI plugin drives a runtime: a sandbox annotated io.kubernetes.cri.container-type=sandbox is
// the pod's VM, and a container naming it by io.kubernetes.cri.sandbox-id runs in that VM, with
// its own root, cgroup and lifetime, joining the namespaces whose paths name the sandbox. The CRI
// test (tests/cri) shows the same through containerd; these show what it cannot reach: the guest's
// side of each container, kill -9 of its host process, and bad input.

#include <signal.h>
#include <sys/ioctl.h>

#include <list>
#include <thread>

#include "tests/support/console_socket.h"
#include "tests/vm/vm_fixture.h"

namespace strata::test {
namespace {

class VmPod : public Vm {
protected:
    void SetUp() override {
        Vm::SetUp();
        if (IsSkipped() || HasFailure()) return;
        volume.emplace("strata-pod-volume");
        write_text(volume->path() + "/greeting", "from-the-host\n");
    }

    // The sandbox as containerd makes it: the pause process, its own pid, IPC and UTS namespaces.
    void run_sandbox(const std::string& id) {
        bundle->set_args({"sleep", "100000"});
        bundle->config["hostname"] = "podhost";
        bundle->config["annotations"]["io.kubernetes.cri.container-type"] = "sandbox";
        bundle->save();
        ASSERT_EQ(strata.detached({"run", "-d", "-b", bundle->path(), id}, log_path()).status, 0) << read_text(log_path());
    }

    // A container of the pod `pod`: the sandbox's namespaces by path, as containerd gives them.
    Bundle& member_bundle(const std::string& pod, const std::vector<std::string>& args) {
        members.push_back(Bundle::busybox());
        Bundle& b = members.back();
        b.set_args(args);
        auto& a = b.config["annotations"];
        a["org.strata.substrate"] = "vm";
        a["io.kubernetes.cri.container-type"] = "container";
        a["io.kubernetes.cri.sandbox-id"] = pod;
        std::string ns = "/proc/" + std::to_string(state_pid(pod)) + "/ns/";
        b.config["linux"]["namespaces"] = nlohmann::json::array(
            {{{"type", "mount"}}, {{"type", "pid"}, {"path", ns + "pid"}}, {{"type", "ipc"}, {"path", ns + "ipc"}},
             {{"type", "uts"}, {"path", ns + "uts"}}});
        b.config["linux"]["resources"]["pids"]["limit"] = 77;
        b.config["root"]["readonly"] = false;
        b.config["mounts"].push_back({{"destination", "/data"}, {"type", "bind"}, {"source", volume->path()}, {"options", {"rbind", "ro"}}});
        b.save();
        return b;
    }

    CmdResult exec(const std::string& id, const std::vector<std::string>& cmd) {
        std::vector<std::string> a = {"exec", id};
        a.insert(a.end(), cmd.begin(), cmd.end());
        return strata(a, "", kBoot);
    }

    // The member's entries in the pod VM's share, as the sandbox's monitor sees its mounts.
    std::vector<std::string> share_mounts_of(const std::string& pod, const std::string& member) {
        std::vector<std::string> out;
        std::istringstream in(read_text("/proc/" + std::to_string(state_pid(pod)) + "/mountinfo"));
        for (std::string line; std::getline(in, line);)
            if (line.find("/vm/share/c/" + member) != std::string::npos) out.push_back(line);
        return out;
    }

    std::optional<TempDir> volume;
    std::list<Bundle> members;
};

TEST_F(VmPod, AContainerRunsInTheSandboxsVmWithItsOwnRootAndCgroup) {
    run_sandbox("pod");
    Bundle& b = member_bundle("pod", {"sh", "-c", "echo only-app > /marker; exec sleep 4242"});
    ASSERT_EQ(strata.detached({"create", "-b", b.path(), "app"}, log_path()).status, 0) << read_text(log_path());
    EXPECT_EQ(status_of("app"), "created");
    EXPECT_EQ(read_text("/proc/" + std::to_string(state_pid("app")) + "/comm"), "strata:pod\n");
    ASSERT_EQ(strata({"start", "app"}).status, 0);
    EXPECT_EQ(status_of("app"), "running");
    // The same guest kernel as the sandbox's workload, not the host's.
    auto boot = exec("app", {"cat", "/proc/sys/kernel/random/boot_id"});
    ASSERT_EQ(boot.status, 0) << boot.err;
    EXPECT_EQ(boot.out, exec("pod", {"cat", "/proc/sys/kernel/random/boot_id"}).out);
    EXPECT_NE(exec("app", {"uname", "-r"}).out, host_release() + "\n");
    // The pod's namespaces in the guest: its hostname, IPC and pid namespaces (the pause process
    // is visible), by the sandbox's paths.
    auto ns = exec("app", {"sh", "-c", "hostname; readlink /proc/self/ns/ipc /proc/self/ns/pid /proc/self/ns/uts"});
    auto pod_ns = exec("pod", {"sh", "-c", "hostname; readlink /proc/self/ns/ipc /proc/self/ns/pid /proc/self/ns/uts"});
    EXPECT_EQ(ns.out, pod_ns.out);
    EXPECT_TRUE(ns.out.starts_with("podhost\n")) << ns.out;
    EXPECT_NE(exec("app", {"sh", "-c", "cat /proc/[0-9]*/cmdline | tr '\\0' ' '"}).out.find("sleep 100000"), std::string::npos);
    // Its own root (from the share), its volume, and a cgroup of its own with its limit.
    EXPECT_EQ(exec("app", {"cat", "/marker"}).out, "only-app\n");
    EXPECT_NE(exec("pod", {"cat", "/marker"}).status, 0) << "the member's root is the sandbox's";
    EXPECT_EQ(exec("app", {"cat", "/data/greeting"}).out, "from-the-host\n");
    EXPECT_NE(exec("app", {"touch", "/data/x"}).status, 0) << "a read-only volume is writable";
    EXPECT_EQ(exec("app", {"sh", "-c", "cat /proc/self/cgroup; cat /sys/fs/cgroup/app/pids.max"}).out, "0::/app\n77\n");
    EXPECT_FALSE(share_mounts_of("pod", "app").empty()) << "the member is not in the pod's share";
    // Paused as a whole with its sandbox, not alone (its host cgroup holds only its proxy).
    auto pause = strata({"pause", "app"});
    EXPECT_EQ(pause.status, 1);
    EXPECT_NE(pause.err.find("pausing the pod's sandbox pod"), std::string::npos) << pause.err;
    EXPECT_EQ(status_of("app"), "running");
    // ps and events ask the pod's VM about this container.
    auto ps = strata({"ps", "app"}, "", kBoot);
    EXPECT_EQ(ps.status, 0) << ps.err;
    EXPECT_NE(ps.out.find("sleep 4242"), std::string::npos) << ps.out;
    auto stats = strata({"events", "--stats", "app"}, "", kBoot);
    ASSERT_EQ(stats.status, 0) << stats.err;
    EXPECT_EQ(nlohmann::json::parse(stats.out)["data"]["pids"]["limit"], 77) << stats.out;
    // Its own lifetime: a signal reaches it; the sandbox runs on; its share entries go.
    ASSERT_EQ(strata({"kill", "app", "TERM"}).status, 0);
    ASSERT_TRUE(eventually([&] { return status_of("app") == "stopped"; }, 20000)) << status_of("app");
    EXPECT_TRUE(eventually([&] { return share_mounts_of("pod", "app").empty(); }, 5000));
    EXPECT_EQ(exec("pod", {"sh", "-c", "cat /proc/[0-9]*/cmdline | tr '\\0' ' '"}).out.find("sleep 4242"), std::string::npos);
    auto stopped = exec("app", {"true"});
    EXPECT_EQ(stopped.status, 1);
    EXPECT_NE(stopped.err.find("stopped"), std::string::npos) << stopped.err;
    ASSERT_EQ(strata({"delete", "app"}).status, 0);
    EXPECT_EQ(status_of("pod"), "running");
    EXPECT_EQ(exec("pod", {"echo", "still-fine"}).out, "still-fine\n");
}

TEST_F(VmPod, KillingTheHostProcessKillsTheGuestProcessAndDetachesItsShare) {
    run_sandbox("pod");
    // In the pod's pid namespace, with a process of its own beside its first one: both go.
    Bundle& b = member_bundle("pod", {"sh", "-c", "sleep 4444 & exec sleep 4343"});
    ASSERT_EQ(strata.detached({"run", "-d", "-b", b.path(), "app"}, log_path()).status, 0) << read_text(log_path());
    auto guest_ps = [&] { return exec("pod", {"sh", "-c", "cat /proc/[0-9]*/cmdline | tr '\\0' ' '"}).out; };
    ASSERT_TRUE(eventually([&] { return guest_ps().find("sleep 4444") != std::string::npos; }, 20000)) << guest_ps();
    ASSERT_NE(guest_ps().find("sleep 4343"), std::string::npos);
    ASSERT_EQ(::kill(state_pid("app"), SIGKILL), 0);
    ASSERT_TRUE(eventually([&] { return status_of("app") == "stopped"; }, 10000));
    EXPECT_TRUE(eventually([&] {
        std::string ps = guest_ps();
        return ps.find("sleep 4343") == std::string::npos && ps.find("sleep 4444") == std::string::npos;
    }, 20000)) << guest_ps();
    EXPECT_TRUE(eventually([&] { return share_mounts_of("pod", "app").empty(); }, 5000));
    ASSERT_EQ(strata({"delete", "app"}).status, 0);
    // The same name can run again in the pod.
    ASSERT_EQ(strata.detached({"run", "-d", "-b", b.path(), "app"}, log_path()).status, 0) << read_text(log_path());
    EXPECT_EQ(exec("app", {"echo", "again"}).out, "again\n");
}

TEST_F(VmPod, TheSandboxsEndEndsItsContainers) {
    run_sandbox("pod");
    Bundle& b = member_bundle("pod", {"sleep", "1000"});
    ASSERT_EQ(strata.detached({"run", "-d", "-b", b.path(), "app"}, log_path()).status, 0) << read_text(log_path());
    ASSERT_EQ(strata({"kill", "pod", "KILL"}).status, 0);
    EXPECT_TRUE(eventually([&] { return status_of("app") == "stopped"; }, 20000)) << status_of("app");
    EXPECT_TRUE(eventually([&] { return status_of("pod") == "stopped"; }, 20000));
}

TEST_F(VmPod, AContainerWithATerminalAsContainerdMakesOne) {
    run_sandbox("pod");
    Bundle& b = member_bundle("pod", {"sh", "-c", "tty; stty size; read line; echo got-$line; exec sleep 1000"});
    b.config["process"]["terminal"] = true;
    b.config["process"]["consoleSize"] = {{"height", 30}, {"width", 100}};
    b.save();
    std::string sock = root.path() + "/console.sock";
    ConsoleSocket console(sock);
    std::thread rx([&] { console.receive(60000); });
    auto c = strata.detached({"create", "--console-socket", sock, "-b", b.path(), "app"}, log_path());
    rx.join();
    ASSERT_EQ(c.status, 0) << c.out;
    ASSERT_GE(console.master(), 0) << "no pty master at create";
    ASSERT_EQ(strata({"start", "app"}).status, 0);
    std::string out = console.read_until("30 100", 60000);
    EXPECT_NE(out.find("/dev/pts/0\r\n30 100"), std::string::npos) << out;
    ASSERT_EQ(::write(console.master(), "hello\n", 6), 6);
    out = console.read_until("got-hello", 60000);
    EXPECT_NE(out.find("got-hello"), std::string::npos) << out;
    winsize ws{};
    ws.ws_row = 41;
    ws.ws_col = 133;
    ASSERT_EQ(::ioctl(console.master(), TIOCSWINSZ, &ws), 0);
    EXPECT_TRUE(eventually([&] { return exec("app", {"stty", "size", "-F", "/dev/pts/0"}).out == "41 133\n"; }, 30000))
        << exec("app", {"stty", "size", "-F", "/dev/pts/0"}).out;
}

TEST_F(VmPod, BadInputIsOneClearErrorAndLeavesNothing) {
    run_sandbox("pod");
    auto refused = [&](Bundle& b, const std::string& id, const std::vector<std::string>& wanted) {
        auto r = strata({"create", "-b", b.path(), id});
        EXPECT_EQ(r.status, 1) << r.err;
        for (const auto& w : wanted) EXPECT_NE(r.err.find(w), std::string::npos) << "no " << w << " in: " << r.err;
        EXPECT_EQ(strata({"state", id}).status, 1) << "a state record is left";
        EXPECT_TRUE(share_mounts_of("pod", id).empty());
        EXPECT_TRUE(our_inits().size() == 1) << "a process is left";  // the sandbox's monitor
    };
    Bundle& missing = member_bundle("pod", {"true"});
    missing.config["mounts"].back()["source"] = "/nonexistent/volume";
    missing.save();
    refused(missing, "missing", {".mounts[", "/nonexistent/volume", "ENOENT"});
    Bundle& many = member_bundle("pod", {"true"});
    for (int i = 0; i < 29; ++i)
        many.config["mounts"].push_back({{"destination", "/v" + std::to_string(i)}, {"type", "bind"}, {"source", volume->path()}, {"options", {"rbind"}}});
    many.save();
    refused(many, "many", {".mounts: 30 bind mounts", "at most 28", "E2BIG"});
    Bundle& gone = member_bundle("pod", {"true"});
    ASSERT_EQ(strata({"kill", "pod", "KILL"}).status, 0);
    ASSERT_TRUE(eventually([&] { return status_of("pod") == "stopped"; }, 20000));
    auto r = strata({"create", "-b", gone.path(), "late"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("the VM of pod sandbox pod is not running"), std::string::npos) << r.err;
    EXPECT_EQ(strata({"state", "late"}).status, 1);
}

}  // namespace
}  // namespace strata::test
