// `strata exec` into a running micro-VM container: the process runs in the guest, in the
// workload's namespaces, cgroup and root, with runc's exec contract (exit status, stdio,
// signals, -d with --pid-file); bad input is one clear error and the VM keeps running.

#include <fcntl.h>
#include <pty.h>
#include <sys/ioctl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "tests/vm/vm_fixture.h"

namespace strata::test {
namespace {

class VmExec : public Vm {
protected:
    // A running VM whose workload sleeps, in a cgroup of its own (a pids limit makes one).
    void start_sleeper(const std::string& id) {
        bundle->set_args({"sleep", "1000"});
        bundle->config["hostname"] = "vmguest";
        bundle->config["root"]["readonly"] = false;
        bundle->config["linux"]["resources"]["pids"]["limit"] = 100;
        bundle->save();
        ASSERT_EQ(strata.detached({"run", "-d", "-b", bundle->path(), id}, log_path()).status, 0) << read_text(log_path());
    }
    CmdResult exec(const std::string& id, const std::vector<std::string>& cmd, const std::string& input = "") {
        std::vector<std::string> a = {"exec", id};
        a.insert(a.end(), cmd.begin(), cmd.end());
        return strata(a, input, kBoot);
    }
};

TEST_F(VmExec, RunsInTheWorkloadsNamespacesCgroupAndRoot) {
    start_sleeper("ns");
    std::string marker = "/exec-marker-" + std::to_string(getpid());
    auto r = exec("ns", {"sh", "-c",
                         "uname -r; hostname; tr '\\0' ' ' < /proc/1/cmdline; echo; grep -qx $$ /sys/fs/cgroup/cgroup.procs && cat /sys/fs/cgroup/pids.max; "
                         "ls /proc | grep -c '^[0-9]'; exit 5"});
    EXPECT_EQ(r.status, 5) << r.err;
    std::istringstream lines(r.out);
    std::string release, hostname, init, cgroup, procs;
    std::getline(lines, release);
    std::getline(lines, hostname);
    std::getline(lines, init);
    std::getline(lines, cgroup);
    std::getline(lines, procs);
    EXPECT_NE(release, host_release()) << "ran on the host's kernel";
    EXPECT_EQ(hostname, "vmguest") << "not in the workload's UTS namespace";
    EXPECT_EQ(init, "sleep 1000 ") << "not in the workload's pid namespace";
    EXPECT_EQ(cgroup, "100") << "not in the workload's cgroup (with its pids limit)";
    EXPECT_LE(std::stoi(procs), 4) << "sees processes beyond the workload's: " << r.out;
    // The workload's root: a file the exec writes is the workload's to read.
    ASSERT_EQ(exec("ns", {"sh", "-c", "echo shared > /tmp/x"}).status, 0);
    EXPECT_EQ(exec("ns", {"cat", "/tmp/x"}).out, "shared\n");
    EXPECT_EQ(exec("ns", {"cat"}, "through stdin\n").out, "through stdin\n");
}

TEST_F(VmExec, UserEnvCwdCapabilitiesAndNoNewPrivileges) {
    start_sleeper("who");
    auto r = strata({"exec", "--user", "nobody", "--env", "GREETING=hi", "--cwd", "/tmp", "--no-new-privs", "who", "sh", "-c",
                     "id -u; id -g; echo $GREETING; pwd; grep -E '^(CapEff|NoNewPrivs)' /proc/self/status"},
                    "", kBoot);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "65534\n65534\nhi\n/tmp\nCapEff:\t0000000000000000\nNoNewPrivs:\t1\n");
    auto numeric = strata({"exec", "--user", "1234:4321", "who", "sh", "-c", "id -u; id -g"}, "", kBoot);
    EXPECT_EQ(numeric.out, "1234\n4321\n") << numeric.err;
}

TEST_F(VmExec, BadInputIsOneClearErrorAndTheVmKeepsRunning) {
    start_sleeper("bad");
    auto missing = exec("bad", {"no-such-command"});
    EXPECT_EQ(missing.status, 1);
    EXPECT_NE(missing.err.find("no-such-command"), std::string::npos) << missing.err;
    EXPECT_NE(missing.err.find("ENOENT"), std::string::npos) << missing.err;
    auto user = strata({"exec", "--user", "no-such-user", "bad", "true"}, "", kBoot);
    EXPECT_EQ(user.status, 1);
    EXPECT_NE(user.err.find("\"no-such-user\": no such user"), std::string::npos) << user.err;
    auto cwd = strata({"exec", "--cwd", "/no/such/dir", "bad", "true"}, "", kBoot);
    EXPECT_EQ(cwd.status, 1);
    EXPECT_NE(cwd.err.find("/no/such/dir"), std::string::npos) << cwd.err;
    std::string process = root.path() + "/process.json";
    write_text(process, R"({"args": 5, "cwd": "/"})");
    auto bad_json = strata({"exec", "--process", process, "bad"}, "", kBoot);
    EXPECT_EQ(bad_json.status, 1);
    EXPECT_NE(bad_json.err.find("args"), std::string::npos) << bad_json.err;
    auto not_a_socket = strata({"exec", "-t", "--console-socket", process, "bad", "true"}, "", kBoot);
    EXPECT_EQ(not_a_socket.status, 1);
    EXPECT_NE(not_a_socket.err.find(process), std::string::npos) << not_a_socket.err;
    EXPECT_EQ(status_of("bad"), "running");
    EXPECT_EQ(exec("bad", {"echo", "still-fine"}).out, "still-fine\n");
}

TEST_F(VmExec, IntoACreatedOrStoppedVmIsAClearError) {
    bundle->set_args({"sleep", "1000"});
    ASSERT_EQ(strata.detached({"create", "-b", bundle->path(), "idle"}, log_path()).status, 0);
    auto created = exec("idle", {"true"});
    EXPECT_EQ(created.status, 1);
    EXPECT_NE(created.err.find("not running"), std::string::npos) << created.err;
    ASSERT_EQ(strata({"start", "idle"}).status, 0);
    ASSERT_EQ(strata({"kill", "idle", "KILL"}).status, 0);
    ASSERT_TRUE(eventually([&] { return status_of("idle") == "stopped"; }, 10000));
    auto stopped = exec("idle", {"true"});
    EXPECT_EQ(stopped.status, 1);
    EXPECT_NE(stopped.err.find("stopped"), std::string::npos) << stopped.err;
}

TEST_F(VmExec, TheExecSocketRefusesAnUnprivilegedUser) {
    start_sleeper("priv");
    std::string sock = root.path() + "/priv/vm/exec.sock";
    struct stat st{};
    ASSERT_EQ(::stat(sock.c_str(), &st), 0) << sock;
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    pid_t child = ::fork();
    if (child == 0) {
        if (::setresgid(65534, 65534, 65534) < 0 || ::setresuid(65534, 65534, 65534) < 0) ::_exit(100);
        int fd = ::socket(AF_UNIX, SOCK_SEQPACKET, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::snprintf(a.sun_path, sizeof a.sun_path, "%s", sock.c_str());
        if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) ::_exit(0);
        ::_exit(errno == EACCES ? 13 : 101);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 13) << "0: an unprivileged user connected; 100: could not drop to nobody";
}

TEST_F(VmExec, DetachedExecsPidFileIsAProxyThatExitsWithTheGuestStatus) {
    start_sleeper("det");
    // As conmon and containerd's shim are: the subreaper the detached proxy is reparented to.
    ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    std::string pid_file = root.path() + "/exec.pid", out = root.path() + "/exec.out";
    auto d = run_cmd_to_file({strata_bin(), "--root", root.path(), "exec", "-d", "--pid-file", pid_file, "det", "sh", "-c",
                              "sleep 1; echo detached-output; exit 7"},
                             out, kBoot);
    ASSERT_EQ(d.status, 0) << read_text(out);
    pid_t proxy = std::stoi(read_text(pid_file));
    EXPECT_EQ(read_text("/proc/" + std::to_string(proxy) + "/comm"), "strata:exec\n");
    int status = 0;
    ASSERT_EQ(::waitpid(proxy, &status, 0), proxy);
    ::prctl(PR_SET_CHILD_SUBREAPER, 0);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 7);
    EXPECT_EQ(read_text(out), "detached-output\n");
}

TEST_F(VmExec, SignalsReachTheProcessAndHangingUpKillsIt) {
    start_sleeper("sig");
    std::thread killer([&] {
        eventually([&] { return !processes_matching("exec sig sh -c trap").empty(); }, 60000);
        std::this_thread::sleep_for(std::chrono::milliseconds(1000));  // the trap is set
        for (int pid : processes_matching("exec sig sh -c trap")) ::kill(pid, SIGTERM);
    });
    auto r = exec("sig", {"sh", "-c", "trap 'echo got-term; exit 42' TERM; while :; do sleep 0.1; done"});
    killer.join();
    EXPECT_EQ(r.status, 42) << r.err;
    EXPECT_EQ(r.out, "got-term\n");
    // A proxy killed outright (an engine's timeout) takes its guest process with it.
    std::thread hangup([&] {
        eventually([&] { return !processes_matching("exec sig sleep 777").empty(); }, 60000);
        std::this_thread::sleep_for(std::chrono::milliseconds(1000));
        for (int pid : processes_matching("exec sig sleep 777")) ::kill(pid, SIGKILL);
    });
    auto k = exec("sig", {"sleep", "777"});
    hangup.join();
    EXPECT_EQ(k.status, 128 + SIGKILL);
    EXPECT_TRUE(eventually([&] {
        return exec("sig", {"sh", "-c", "for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < $f; echo; done | grep -c '^sleep 777 $'"}).out == "0\n";
    }, 3000)) << "the guest process outlived its proxy";
}

// A foreground `strata exec -t` in the caller's terminal: the guest's pty, raw on the host side,
// with the terminal's size at the start.
TEST_F(VmExec, ForegroundTerminalInTheCallersTty) {
    start_sleeper("tty");
    OnPty t = run_on_pty({strata_bin(), "--root", root.path(), "exec", "-t", "tty", "sh"}, 33, 111);
    ASSERT_GE(t.pid, 0);
    int master = t.master;
    std::string out;
    read_until(master, out, "# ", std::chrono::seconds(60));
    std::string cmd = "tty; stty size; exit 3\n";
    ASSERT_EQ(::write(master, cmd.data(), cmd.size()), static_cast<ssize_t>(cmd.size()));
    read_until(master, out, "33 111", std::chrono::seconds(30));
    int st = t.wait();
    EXPECT_NE(out.find("/dev/pts/"), std::string::npos) << out;
    EXPECT_NE(out.find("33 111"), std::string::npos) << out;
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 3) << out;
}

// A foreground `strata run` of a config with process.terminal: the workload itself on the
// guest's pty, relayed to the caller's terminal, with its size; the exit code comes back.
TEST_F(VmExec, ForegroundRunOnATerminal) {
    bundle->set_args({"sh"});
    bundle->config["process"]["terminal"] = true;
    bundle->save();
    OnPty t = run_on_pty({strata_bin(), "--root", root.path(), "run", "-b", bundle->path(), "runtty"}, 27, 99);
    ASSERT_GE(t.pid, 0);
    int master = t.master;
    std::string out;
    read_until(master, out, "# ", std::chrono::seconds(120));
    std::string cmd = "tty; stty size; exit 4\n";
    ASSERT_EQ(::write(master, cmd.data(), cmd.size()), static_cast<ssize_t>(cmd.size()));
    read_until(master, out, "27 99", std::chrono::seconds(30));
    int st = t.wait();
    EXPECT_NE(out.find("/dev/pts/"), std::string::npos) << out;
    EXPECT_NE(out.find("27 99"), std::string::npos) << out;
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 4) << out;
    EXPECT_NE(strata({"state", "runtty"}).status, 0) << "run left its container behind";
}

// The workload floods a stdout nobody reads: an exec still answers at once, its own output
// whole (its window and the monitor's writes are its own).
TEST_F(VmExec, OutputDoesNotWaitBehindTheWorkloads) {
    bundle->set_args({"sh", "-c", "while :; do echo flooding-the-unread-stdout; done"});
    int p[2];
    ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
    pid_t child = ::fork();
    if (child == 0) {
        ::dup2(p[1], 1);
        int null = ::open("/dev/null", O_RDWR);
        ::dup2(null, 0);
        ::dup2(null, 2);
        ::execl(strata_bin().c_str(), "strata", "--root", root.path().c_str(), "run", "-d", "-b", bundle->path().c_str(), "flood",
                static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::close(p[1]);
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));  // the pipe and the window fill
    auto r = exec("flood", {"sh", "-c", "head -c 1000000 /dev/zero | tr '\\0' e; echo"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out.size(), 1000001u);
    EXPECT_FALSE(r.timed_out);
    ::close(p[0]);
}

}  // namespace
}  // namespace strata::test
