// Podman driving strata's micro-VMs (--annotation org.strata.substrate=vm): what Podman gives a
// container reaches the guest. Network: Podman's netavark network namespace is the guest's NIC,
// so a published port and a second VM on the same network reach the workload. Exec: `podman
// exec` and healthchecks run in the guest, in the workload's namespaces.

#include <pty.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include <sstream>
#include <thread>

#include "tests/support/http.h"
#include "tests/support/podman.h"

namespace strata::test {
namespace {

// The non-empty pieces of `s` between `sep`s.
std::vector<std::string> words(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::istringstream in(s);
    for (std::string w; std::getline(in, w, sep);)
        if (!w.empty()) out.push_back(w);
    return out;
}

class PodmanVm : public Podman {
protected:
    void SetUp() override {
        Podman::SetUp();
        if (IsSkipped() || HasFailure()) return;
        auto info = run_cmd({strata_bin(), "info", "--json"});
        ASSERT_EQ(info.status, 0) << info.err;
        auto vm = nlohmann::json::parse(info.out)["vm"];
        STRATA_REQUIRE(!vm["backend"].is_null() && vm["kernel"].contains("path"), "no VM backend or guest kernel: " + vm.dump());
    }
    void TearDown() override { env->run({"rm", "-af", "-t", "0"}); }
    static std::string host_release() {
        utsname u{};
        uname(&u);
        return u.release;
    }
    static std::vector<std::string> vm_args(std::vector<std::string> extra) {
        std::vector<std::string> a = {"--annotation", "org.strata.substrate=vm"};
        a.insert(a.end(), extra.begin(), extra.end());
        return run_args(a);
    }
    // busybox httpd serving one page (busybox's static wget crashes on this glibc: nc is the client).
    static std::vector<std::string> web(const std::string& page) {
        return {"sh", "-c", "mkdir -p /tmp/www && echo " + page + " > /tmp/www/index.html && exec httpd -f -p 80 -h /tmp/www"};
    }
};

TEST_F(PodmanVm, APublishedPortReachesTheGuest) {
    auto args = vm_args({"-d", "--name", "vmweb", "-p", "127.0.0.1:18093:80", kImage});
    for (auto& a : web("hello-from-the-guest")) args.push_back(a);
    auto d = env->run(args, std::chrono::seconds(180));
    ASSERT_EQ(d.status, 0) << d.err;
    EXPECT_EQ(http_get("127.0.0.1", 18093, std::chrono::seconds(120)), "hello-from-the-guest\n");
}

TEST_F(PodmanVm, TwoVmsOnOneNetworkReachEachOther) {
    std::string net = "strata-vmnet-" + std::to_string(getpid());
    ASSERT_EQ(env->run({"network", "create", net}).status, 0);
    auto srv = vm_args({"-d", "--name", "vmsrv", "--network", net, kImage});
    for (auto& a : web("from-the-server")) srv.push_back(a);
    auto s = env->run(srv, std::chrono::seconds(180));
    ASSERT_EQ(s.status, 0) << s.err;
    auto ip = env->run({"inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", "vmsrv"});
    std::string addr = ip.out.substr(0, ip.out.find('\n'));
    ASSERT_FALSE(addr.empty()) << ip.err;
    auto c = env->run(vm_args({"--rm", "--network", net, kImage, "sh", "-c",
                               "for i in $(seq 60); do printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 " + addr +
                                   " 80 | grep -q from-the-server && echo reached && exit 0; sleep 1; done; exit 1"}),
                      std::chrono::seconds(240));
    EXPECT_EQ(c.status, 0) << c.out << c.err;
    EXPECT_NE(c.out.find("reached"), std::string::npos) << c.out;
    env->run({"rm", "-af", "-t", "0"});
    env->run({"network", "rm", net});
}

TEST_F(PodmanVm, ExecRunsInTheGuestWithItsOutputExitCodeUserEnvAndWorkdir) {
    auto d = env->run(vm_args({"-d", "--name", "vmexec", kImage, "sleep", "1000"}), std::chrono::seconds(180));
    ASSERT_EQ(d.status, 0) << d.err;
    // The guest's own kernel: not the host's release.
    auto host = run_cmd({"uname", "-r"});
    auto e = env->run({"exec", "vmexec", "sh", "-c", "uname -r; cat /proc/1/cmdline | tr '\\0' ' '; echo; echo to-stderr >&2; exit 5"});
    EXPECT_EQ(e.status, 5) << e.err;
    EXPECT_EQ(e.out.find(host.out), std::string::npos) << "the exec ran on the host's kernel: " << e.out;
    EXPECT_NE(e.out.find("sleep 1000"), std::string::npos) << "not in the workload's pid namespace: " << e.out;
    EXPECT_NE(e.err.find("to-stderr"), std::string::npos) << e.err;
    auto u = env->run({"exec", "-u", "nobody", "-e", "GREETING=hi", "-w", "/tmp", "vmexec", "sh", "-c", "id -u; echo $GREETING; pwd"});
    EXPECT_EQ(u.status, 0) << u.err;
    EXPECT_EQ(u.out, "65534\nhi\n/tmp\n");
    auto in = run_cmd({"sh", "-c", "echo through-stdin | " + env->join() + " exec -i vmexec cat"});
    EXPECT_EQ(in.out, "through-stdin\n") << in.err;
    auto missing = env->run({"exec", "vmexec", "no-such-command"});
    EXPECT_NE(missing.status, 0);
    EXPECT_NE(missing.err.find("no-such-command"), std::string::npos) << missing.err;
    // The VM is unharmed by the failed exec.
    EXPECT_EQ(env->run({"exec", "vmexec", "true"}).status, 0);
}

// podman exec -it: Podman's conmon gets a pty master from strata over the console socket; the
// process's own pty is in the guest. Type, read the screen, resize, exit with a code.
// Drives `podman ARGS` (a shell in the guest on a terminal) from a pty of the test's: types a
// command, reads the screen, resizes the terminal and checks the guest's pty took the size,
// then exits the shell with a code that podman must return.
void interact_with_guest_shell(PodmanEnv& env, const std::vector<std::string>& podman_args) {
    OnPty t = run_on_pty(env.argv(podman_args), 30, 100);
    ASSERT_GE(t.pid, 0);
    int master = t.master;
    std::string out;
    auto type = [&](const std::string& text) { ASSERT_EQ(write(master, text.data(), text.size()), static_cast<ssize_t>(text.size())); };
    test::read_until(master, out, "# ", std::chrono::seconds(180));
    type("tty; uname -r; echo $((6*7))\n");
    test::read_until(master, out, "42", std::chrono::seconds(30));
    EXPECT_NE(out.find("/dev/pts/"), std::string::npos) << out;
    auto host = run_cmd({"uname", "-r"});
    EXPECT_EQ(out.find(host.out.substr(0, host.out.size() - 1)), std::string::npos) << "ran on the host's kernel: " << out;
    // A resize of the caller's terminal reaches the guest's pty.
    winsize ws{};
    ws.ws_row = 41;
    ws.ws_col = 133;
    ASSERT_EQ(ioctl(master, TIOCSWINSZ, &ws), 0);
    kill(t.pid, SIGWINCH);
    bool resized = false;
    for (int i = 0; i < 20 && !resized; ++i) {
        usleep(250000);
        out.clear();
        type("stty size\n");
        test::read_until(master, out, "41 133", std::chrono::seconds(2));
        resized = out.find("41 133") != std::string::npos;
    }
    EXPECT_TRUE(resized) << out;
    type("exit 5\n");
    int st = t.wait();
    EXPECT_TRUE(WIFEXITED(st));
    EXPECT_EQ(WEXITSTATUS(st), 5) << out;
}

TEST_F(PodmanVm, InteractiveExecThroughAPtyWithResize) {
    auto d = env->run(vm_args({"-d", "--name", "vmtty", kImage, "sleep", "1000"}), std::chrono::seconds(180));
    ASSERT_EQ(d.status, 0) << d.err;
    interact_with_guest_shell(*env, {"exec", "-it", "vmtty", "sh"});
}

// `podman run -it`: the workload itself on a terminal (the guest's pty, relayed through a raw
// host pty whose master conmon holds).
TEST_F(PodmanVm, InteractiveRunThroughAPtyWithResize) {
    interact_with_guest_shell(*env, vm_args({"-it", "--name", "vmrunit", kImage, "sh"}));
    auto rm = env->run({"rm", "-f", "vmrunit"});
    EXPECT_EQ(rm.status, 0) << rm.err;
}

TEST_F(PodmanVm, HealthcheckRunsInTheGuestAndReportsHealthy) {
    auto d = env->run(vm_args({"-d", "--name", "vmhealth", "--health-cmd", "test -e /proc/1/cmdline", "--health-interval", "disable",
                               kImage, "sleep", "1000"}),
                      std::chrono::seconds(180));
    ASSERT_EQ(d.status, 0) << d.err;
    auto h = env->run({"healthcheck", "run", "vmhealth"});
    EXPECT_EQ(h.status, 0) << h.out << h.err;
    auto st = env->run({"inspect", "-f", "{{.State.Health.Status}}", "vmhealth"});
    EXPECT_EQ(st.out, "healthy\n") << st.err;
}

// `podman top` lists the guest's workload with the guest's pids, users and commands (Podman reads
// /proc in the mount namespace of the container's pid: the monitor's, whose root is the view of
// the guest, vm/procview), never a host process. `ps -ef`-style descriptors psgo does not know
// fall back to `ps` run in the container, which is an exec into the guest.
TEST_F(PodmanVm, TopListsTheGuestsProcessesAndNoHostProcess) {
    auto d = env->run(vm_args({"-d", "--name", "vmtop", "--user", "nobody", kImage, "sh", "-c", "sleep 1000 & exec sleep 999"}),
                      std::chrono::seconds(180));
    ASSERT_EQ(d.status, 0) << d.err;
    CmdResult top;
    for (int i = 0; i < 30; ++i) {  // until the workload's shell has started its child
        top = env->run({"top", "vmtop"});
        if (top.status != 0 || top.out.find("sleep 1000") != std::string::npos) break;
        std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    ASSERT_EQ(top.status, 0) << top.err;
    auto lines = words(top.out, '\n');
    ASSERT_EQ(lines.size(), 3u) << "a header and the guest's two processes: " << top.out;
    EXPECT_TRUE(lines[0].starts_with("USER")) << top.out;
    // USER PID PPID %CPU ELAPSED TTY TIME COMMAND: the guest's pid 1 and its child, as nobody
    // (the name is the image's /etc/passwd's).
    auto first = words(lines[1], ' '), second = words(lines[2], ' ');
    ASSERT_GE(first.size(), 8u) << lines[1];
    ASSERT_GE(second.size(), 8u) << lines[2];
    EXPECT_EQ(first[0], "nobody") << top.out;
    EXPECT_EQ(first[1], "1") << top.out;
    EXPECT_EQ(second[2], "1") << "its parent is the guest's pid 1: " << top.out;
    EXPECT_NE(lines[1].find("sleep 999"), std::string::npos) << top.out;
    EXPECT_NE(lines[2].find("sleep 1000"), std::string::npos) << top.out;
    for (const char* host : {"strata", "qemu", "conmon", "systemd", "kthreadd", "init"})
        EXPECT_EQ(top.out.find(host), std::string::npos) << host << " is a host process: " << top.out;
    // Chosen descriptors, psgo's own.
    auto picked = env->run({"top", "vmtop", "pid", "comm", "user"});
    ASSERT_EQ(picked.status, 0) << picked.err;
    EXPECT_NE(picked.out.find("1           sleep       nobody"), std::string::npos) << picked.out;
    // Paused, the monitor is frozen with QEMU: Podman refuses before reading the view, no hang.
    ASSERT_EQ(env->run({"pause", "vmtop"}).status, 0);
    auto paused = env->run({"top", "vmtop"}, std::chrono::seconds(30));
    EXPECT_NE(paused.status, 0);
    EXPECT_NE(paused.err.find("running"), std::string::npos) << paused.err;
    ASSERT_EQ(env->run({"unpause", "vmtop"}).status, 0);
    EXPECT_EQ(env->run({"top", "vmtop"}).status, 0);
}

// Podman's default seccomp profile is in force in the guest, and `--security-opt
// seccomp=unconfined` takes it away, as for a container.
TEST_F(PodmanVm, PodmansSeccompProfileIsInForceInTheGuest) {
    std::string probe = "uname -r; grep '^Seccomp:' /proc/self/status";
    auto confined = env->run(vm_args({"--rm", kImage, "sh", "-c", probe}), std::chrono::seconds(180));
    ASSERT_EQ(confined.status, 0) << confined.err;
    EXPECT_EQ(confined.out.find(host_release()), std::string::npos) << "ran on the host's kernel: " << confined.out;
    EXPECT_NE(confined.out.find("Seccomp:\t2\n"), std::string::npos) << confined.out;
    auto open = env->run(vm_args({"--rm", "--security-opt", "seccomp=unconfined", kImage, "sh", "-c", probe}),
                         std::chrono::seconds(180));
    ASSERT_EQ(open.status, 0) << open.err;
    EXPECT_NE(open.out.find("Seccomp:\t0\n"), std::string::npos) << open.out;
}

// A VM container in a Podman pod: the infra container (a host container) holds the pod's
// namespaces; the guest takes over the pod's network, so the pod's published port reaches it, and
// takes the pod's uts namespace's hostname (ns/uts.h). Podman's pod create has no --ulimit: the
// infra container gets this host's low limits from a containers.conf.
TEST_F(PodmanVm, AVmInAPodServesOnThePodsPortWithThePodsHostname) {
    std::string conf = env->dir() + "/containers.conf";
    write_text(conf, "[containers]\ndefault_ulimits = [\"nofile=1024:1024\", \"nproc=1024:1024\"]\n");
    setenv("CONTAINERS_CONF", conf.c_str(), 1);
    std::string pod = "strata-vmpod-" + std::to_string(getpid());
    auto p = env->run({"pod", "create", "--name", pod, "--hostname", "podhost", "-p", "127.0.0.1:18094:80", "--infra-image", kImage,
                       "--infra-command", "sleep 1000000"});
    ASSERT_EQ(p.status, 0) << p.err;
    auto d = env->run(vm_args({"-d", "--pod", pod, "--name", "vminpod", kImage, "sh", "-c",
                               "mkdir -p /tmp/www && { hostname; cat /proc/sys/kernel/random/boot_id; } > /tmp/www/index.html && "
                               "exec httpd -f -p 80 -h /tmp/www"}),
                      std::chrono::seconds(180));
    ASSERT_EQ(d.status, 0) << d.err;
    std::string page = http_get("127.0.0.1", 18094, std::chrono::seconds(120));
    EXPECT_TRUE(page.starts_with("podhost\n")) << page;
    EXPECT_EQ(page.find(read_text("/proc/sys/kernel/random/boot_id")), std::string::npos) << "served by the host's kernel: " << page;
    EXPECT_EQ(env->run({"pod", "rm", "-f", "-t", "0", pod}).status, 0);
    unsetenv("CONTAINERS_CONF");
}

}  // namespace
}  // namespace strata::test
