// seccomp in real containers: the default profile of `strata spec` (escape test #8 of the
// security issue: what a root process in the container cannot do), profiles from config.json,
// and SCMP_ACT_NOTIFY with a seccomp agent listening at listenerPath.

#include <linux/seccomp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <filesystem>
#include <thread>

#include "sys/socket.h"
#include "tests/integration/fixture.h"

namespace strata::test {
namespace {

class Seccomp : public ContainerTest {
protected:
    CmdResult run_sh(const std::string& script, const std::string& id = "sc") {
        bundle->set_args({"sh", "-c", script});
        return strata({"run", "-b", bundle->path(), id});
    }
};

// --- Escape test #8: the default profile, root in the container. Each attempt separately. ---

TEST_F(Seccomp, DefaultProfileIsLoadedWithNoNewPrivs) {
    auto r = run_sh("grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status; id -u");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "NoNewPrivs:\t1\nSeccomp:\t2\n0\n");
}

TEST_F(Seccomp, RootCannotMount) {
    auto r = run_sh("mount -t tmpfs none /tmp; echo rc=$?");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "rc=1\n");
    // busybox's words for EPERM.
    EXPECT_NE(r.err.find("permission denied (are you root?)"), std::string::npos) << r.err;
    EXPECT_TRUE(mounts_containing(bundle->rootfs()).empty());
}

TEST_F(Seccomp, RootCannotUnshareAUserNamespace) {
    auto r = run_sh("unshare -U id -u; echo rc=$?");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "rc=1\n");
    EXPECT_NE(r.err.find("unshare(0x10000000): Operation not permitted"), std::string::npos) << r.err;
}

TEST_F(Seccomp, RootCannotLoadAKernelModule) {
    // Any bytes do: the filter refuses the call before the kernel looks at the image.
    auto r = run_sh("echo junk > /dev/shm/m.ko; insmod /dev/shm/m.ko; echo rc=$?; rmmod nosuchmod; echo rc=$?");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "rc=1\nrc=1\n");
    EXPECT_NE(r.err.find("can't insert '/dev/shm/m.ko': Operation not permitted"), std::string::npos) << r.err;
}

TEST_F(Seccomp, RootCannotReadProcKcore) {
    // Masked with /dev/null (or absent: this machine class's kernel has no /proc/kcore).
    auto r = run_sh("head -c 64 /proc/kcore 2>/dev/null | wc -c");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "0\n");
}

TEST_F(Seccomp, RootCannotReadSysFirmware) {
    ASSERT_FALSE(run_cmd({"ls", "-A", "/sys/firmware"}).out.empty()) << "the host has something to hide";
    auto r = run_sh("ls -A /sys/firmware | wc -l; cat /sys/firmware/* 2>/dev/null | wc -c");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "0\n0\n");
}

TEST_F(Seccomp, RootCannotChangeTheHostsHostname) {
    char before[256] = {};
    ::gethostname(before, sizeof before);
    auto r = run_sh("hostname evil; echo rc=$?; hostname");
    char after[256] = {};
    ::gethostname(after, sizeof after);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "rc=1\nstrata\n");
    EXPECT_NE(r.err.find("sethostname: Operation not permitted"), std::string::npos) << r.err;
    EXPECT_STREQ(after, before);
}

TEST_F(Seccomp, RootCannotSeeHostProcesses) {
    // This test process is on the host: its pid must not exist in the container's /proc.
    std::string me = std::to_string(::getpid());
    auto r = run_sh("ls /proc | grep -c '^[0-9]'; test -e /proc/" + me + "/status && echo visible || echo hidden");
    ASSERT_EQ(r.status, 0) << r.err;
    std::istringstream in(r.out);
    int count = 0;
    std::string seen;
    in >> count >> seen;
    EXPECT_LE(count, 3);  // sh, ls, grep
    if (std::stoi(me) > 3) {
        EXPECT_EQ(seen, "hidden");
    }
}

TEST_F(Seccomp, RootCannotWriteProcSys) {
    std::string before = read_text("/proc/sys/kernel/domainname");
    auto r = run_sh("echo evil > /proc/sys/kernel/domainname; echo rc=$?; sysctl -w vm.drop_caches=1; echo rc=$?");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "rc=1\nrc=1\n");
    EXPECT_NE(r.err.find("Read-only file system"), std::string::npos) << r.err;
    EXPECT_EQ(read_text("/proc/sys/kernel/domainname"), before);
}

// io_uring's operations run without passing the filter: the default profile denies its three
// calls (Docker 25, containerd 2.0), while a profile that allows them lets them through.
TEST_F(Seccomp, DefaultProfileDeniesIoUring) {
    std::filesystem::copy_file(ATTACKER_IO_URING, bundle->rootfs() + "/io_uring");
    bundle->set_args({"/io_uring"});
    auto r = strata({"run", "-b", bundle->path(), "sc-uring-" + std::to_string(::getpid())});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "io_uring_setup EPERM\nio_uring_enter EPERM\nio_uring_register EPERM\n");
    // The probe itself works: without the filter the calls reach the kernel.
    bundle->config["linux"].erase("seccomp");
    bundle->save();
    auto open = strata({"run", "-b", bundle->path(), "sc-uring2-" + std::to_string(::getpid())});
    ASSERT_EQ(open.status, 0) << open.err;
    EXPECT_EQ(open.out, "io_uring_setup ok\nio_uring_enter EBADF\nio_uring_register EBADF\n");
}

// --- Profiles from config.json ---

TEST_F(Seccomp, ErrnoRetFromTheConfigReachesTheProcess) {
    bundle->config["linux"]["seccomp"] = {
        {"defaultAction", "SCMP_ACT_ALLOW"},
        {"syscalls", {{{"names", {"mkdir", "mkdirat"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", EXDEV}}}}};
    auto r = run_sh("mkdir /dev/shm/d; echo rc=$?");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "rc=1\n");
    EXPECT_NE(r.err.find("Invalid cross-device link"), std::string::npos) << r.err;
}

TEST_F(Seccomp, WithoutNoNewPrivsTheFilterIsStillLoaded) {
    // Loaded before the capabilities drop (it then needs CAP_SYS_ADMIN), as runc does.
    bundle->config["process"]["noNewPrivileges"] = false;
    auto r = run_sh("grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status; mount -t tmpfs none /tmp; echo rc=$?");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "NoNewPrivs:\t0\nSeccomp:\t2\nrc=1\n");
}

TEST_F(Seccomp, BadProfileFailsCreateNamingTheJsonPath) {
    nlohmann::json ok = {{"names", {"read"}}, {"action", "SCMP_ACT_ALLOW"}};
    bundle->config["linux"]["seccomp"] = {
        {"defaultAction", "SCMP_ACT_ERRNO"},
        {"syscalls", {ok, ok, ok, {{"names", {"read"}}, {"action", "SCMP_ACT_FOO"}}}}};
    bundle->set_args({"true"});
    auto r = strata({"create", "-b", bundle->path(), "bad"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("config.json: .linux.seccomp.syscalls[3].action: unknown action \"SCMP_ACT_FOO\""), std::string::npos)
        << r.err;
    EXPECT_EQ(strata({"list", "-q"}).out, "");
}

// A profile written before Linux 5.9 (older Docker, containerd and Kubernetes RuntimeDefault
// profiles): everything denied but what busybox sh and strata's last steps before the exec need,
// and no close_range. Without noNewPrivileges it goes in before strata marks its fds
// close-on-exec: the container must run all the same (issue 16, item 1).
TEST_F(Seccomp, ProfileWithoutCloseRangeStillRunsWithoutNoNewPrivs) {
    const std::vector<std::string> allowed = {
        "access", "arch_prctl", "brk", "capget", "capset", "chdir", "close", "dup", "dup2", "dup3",
        "execve", "execveat", "exit", "exit_group", "fchdir", "fcntl", "fstat", "newfstatat",
        "futex", "getcwd", "getdents64", "getegid", "geteuid", "getgid", "getgroups", "getpgrp",
        "getpid", "getppid", "getrlimit", "prlimit64", "gettid", "getuid", "ioctl", "lseek",
        "lstat", "mmap", "mprotect", "munmap", "open", "openat", "pipe", "pipe2", "poll", "prctl",
        "read", "readlink", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "set_tid_address",
        "setgroups", "setresgid", "setresuid", "setgid", "setuid", "stat", "statx", "uname",
        "wait4", "write", "writev", "clone", "fork", "vfork", "sigaltstack", "sendmsg", "sendto",
        "recvmsg", "recvfrom"};
    bundle->config["process"]["noNewPrivileges"] = false;
    bundle->config["linux"]["seccomp"] = {
        {"defaultAction", "SCMP_ACT_ERRNO"},
        {"architectures", {"SCMP_ARCH_X86_64"}},
        {"syscalls", {{{"names", allowed}, {"action", "SCMP_ACT_ALLOW"}}}}};
    auto r = run_sh("echo ok; grep -E '^Seccomp:' /proc/self/status", "sc-noclose");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "ok\nSeccomp:\t2\n");
    // The same with create + start, where the error was seen first.
    bundle->set_args({"sh", "-c", "echo started"});
    ASSERT_EQ(strata.detached({"create", "-b", bundle->path(), "sc-noclose2"}, log_path()).status, 0);
    auto s = strata({"start", "sc-noclose2"});
    ASSERT_EQ(s.status, 0) << s.err;
    EXPECT_TRUE(eventually([&] { return status_of("sc-noclose2") == "stopped"; }));
    EXPECT_NE(read_text(log_path()).find("started"), std::string::npos) << read_text(log_path());
    // No fd of strata's leaks in: only 0-2 (and ls's own directory fd) are open at the exec.
    bundle->set_args({"sh", "-c", "ls /proc/self/fd"});
    auto fds = strata({"run", "-b", bundle->path(), "sc-noclose3"});
    ASSERT_EQ(fds.status, 0) << fds.err;
    EXPECT_EQ(fds.out, "0\n1\n2\n3\n");
}

// A profile that denies the exec and the init's sendmsg: the init cannot report on its socket,
// so the reason goes to the container's stderr instead of a bare exit status 1.
TEST_F(Seccomp, InitErrorIsShownWhenTheProfileDeniesSendmsg) {
    bundle->config["linux"]["seccomp"] = {
        {"defaultAction", "SCMP_ACT_ALLOW"},
        {"syscalls", {{{"names", {"execve", "execveat", "sendmsg"}}, {"action", "SCMP_ACT_ERRNO"}}}}};
    auto r = run_sh("echo should-not-run", "sc-nosend");
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find("exec \"/bin/sh\" through the exec shim: EPERM"), std::string::npos) << r.err;
}

// --- SCMP_ACT_NOTIFY: a seccomp agent in a thread of this test ---

// Accepts one connection at `path`, records the container process state and answers the
// notifications with `answers` in turn (then lets further calls run).
class Agent {
public:
    struct Answer {
        int error;  // -errno, or 0 for a faked success
    };
    explicit Agent(std::vector<Answer> answers) : m_answers(std::move(answers)) {
        auto l = sys::listen_at(-1, path(), SOCK_STREAM);
        if (!l) throw std::runtime_error(l.error().message());
        m_listener = std::move(*l);
        m_thread = std::thread([this] { serve(); });
    }
    ~Agent() {
        m_stop = true;
        if (m_thread.joinable()) m_thread.join();
    }
    std::string path() const { return m_dir.path() + "/agent.sock"; }
    void join() { m_thread.join(); }
    nlohmann::json state;
    int answered = 0;
    std::vector<int> syscalls;

private:
    bool wait_readable(int fd, int ms) {
        for (int waited = 0; waited < ms && !m_stop; waited += 100) {
            pollfd p{fd, POLLIN, 0};
            int n = ::poll(&p, 1, 100);
            if (n > 0) return (p.revents & POLLIN) != 0;
        }
        return false;
    }
    void serve() {
        if (!wait_readable(m_listener.get(), 30000)) return;
        auto conn = sys::accept(m_listener.get());
        if (!conn) return;
        auto msg = sys::recv_msg(conn->get());
        if (!msg || msg->fds.size() != 1) return;
        state = nlohmann::json::parse(msg->data, nullptr, false);
        int nfd = msg->fds[0].get();
        // The container exits: the filter goes away and the fd reports POLLHUP.
        while (wait_readable(nfd, 30000)) {
            seccomp_notif req{};
            if (::ioctl(nfd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) continue;
            seccomp_notif_resp resp{};
            resp.id = req.id;
            syscalls.push_back(req.data.nr);
            if (answered < int(m_answers.size())) resp.error = m_answers[answered++].error;
            else resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
            (void)::ioctl(nfd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
        }
    }
    TempDir m_dir{"strata-agent"};
    UniqueFd m_listener;
    std::vector<Answer> m_answers;
    std::atomic<bool> m_stop{false};
    std::thread m_thread;
};

void notify_profile(Bundle& b, const std::string& listener) {
    b.config["linux"]["seccomp"] = {
        {"defaultAction", "SCMP_ACT_ALLOW"},
        {"listenerPath", listener},
        {"listenerMetadata", "strata-test"},
        {"syscalls", {{{"names", {"mkdir", "mkdirat"}}, {"action", "SCMP_ACT_NOTIFY"}}}}};
}

// The root is read-only: a real mkdir would fail with EROFS, so "made" can only be the agent's
// answer, and "absent" shows it was faked, not performed.
constexpr const char* kNotifyScript = "mkdir /tmp/a; echo rc=$?; mkdir /tmp/b && echo made; test -d /tmp/b || echo absent";

void expect_state(const nlohmann::json& st, const std::string& id, const std::string& bundle_path) {
    ASSERT_TRUE(st.is_object()) << st.dump();
    EXPECT_EQ(st["ociVersion"], "1.2.0");
    EXPECT_EQ(st["fds"], nlohmann::json::array({"seccompFd"}));
    EXPECT_EQ(st["metadata"], "strata-test");
    EXPECT_GT(st["pid"].get<int>(), 1);  // the host's view of the container process
    EXPECT_EQ(st["state"]["pid"], st["pid"]);
    EXPECT_EQ(st["state"]["id"], id);
    EXPECT_EQ(st["state"]["status"], "created");
    EXPECT_EQ(st["state"]["bundle"], bundle_path);
    EXPECT_EQ(st["state"]["ociVersion"], "1.2.0");
}

TEST_F(Seccomp, NotifyAgentAnswersTheContainersSyscallsWithRun) {
    Agent agent({{-EXDEV}, {0}});
    notify_profile(*bundle, agent.path());
    auto r = run_sh(kNotifyScript, "notify-run");
    agent.join();
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "rc=1\nmade\nabsent\n");
    EXPECT_NE(r.err.find("can't create directory '/tmp/a': Invalid cross-device link"), std::string::npos) << r.err;
    EXPECT_EQ(agent.answered, 2);
    for (int nr : agent.syscalls) EXPECT_TRUE(nr == SYS_mkdir || nr == SYS_mkdirat) << nr;
    expect_state(agent.state, "notify-run", bundle->path());
}

TEST_F(Seccomp, NotifyAgentAnswersTheContainersSyscallsWithCreateAndStart) {
    Agent agent({{-EXDEV}, {0}});
    notify_profile(*bundle, agent.path());
    bundle->set_args({"sh", "-c", kNotifyScript});
    ASSERT_EQ(strata.detached({"create", "-b", bundle->path(), "notify-cs"}, log_path()).status, 0);
    auto s = strata({"start", "notify-cs"});
    ASSERT_EQ(s.status, 0) << s.err;
    EXPECT_TRUE(eventually([&] { return status_of("notify-cs") == "stopped"; }));
    agent.join();
    std::string log = read_text(log_path());
    EXPECT_NE(log.find("rc=1\nmade\nabsent\n"), std::string::npos) << log;
    EXPECT_NE(log.find("Invalid cross-device link"), std::string::npos) << log;
    expect_state(agent.state, "notify-cs", bundle->path());
    EXPECT_EQ(strata({"delete", "notify-cs"}).status, 0);
}

TEST_F(Seccomp, UnreachableListenerFailsTheStart) {
    notify_profile(*bundle, root.path() + "/nobody-listens.sock");
    auto r = run_sh("echo should-not-run", "notify-none");
    EXPECT_NE(r.status, 0);
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find("seccomp listener"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace strata::test
