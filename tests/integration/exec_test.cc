// exec into running containers, terminals (console socket and strata's own relay), fd passing.

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>

#include "tests/integration/fixture.h"
#include "tests/support/console_socket.h"

namespace strata::test {
namespace {

class Exec : public ContainerTest {
protected:
    void start_sleeper(const std::string& id) {
        bundle->set_args({"sleep", "1000"});
        ASSERT_EQ(strata.detached({"run", "-d", "-b", bundle->path(), id}, log_path()).status, 0);
        ASSERT_TRUE(eventually([&] { return status_of(id) == "running"; }));
    }
};

TEST_F(Exec, JoinsEveryNamespaceAndTheCgroup) {
    bundle->config["hostname"] = "exec-host";
    start_sleeper("ex");
    auto r = strata({"exec", "ex", "sh", "-c", "hostname; echo $$; readlink /proc/1/exe; ls /sys/class/net; cat /proc/self/cgroup | grep memory"});
    ASSERT_EQ(r.status, 0) << r.err;
    std::istringstream in(r.out);
    std::string host, pid, one, net, cg;
    in >> host >> pid >> one >> net >> cg;
    EXPECT_EQ(host, "exec-host");
    EXPECT_NE(pid, "1");            // a new process in the container's pid namespace...
    EXPECT_EQ(one, "/bin/busybox");  // ...whose pid 1 is the container's
    EXPECT_EQ(net, "lo");
    EXPECT_EQ(cg, "4:memory:/") << r.out;  // the container's cgroup, seen through its cgroupns
    auto pids = nlohmann::json::parse(strata({"ps", "--format", "json", "ex"}).out);
    EXPECT_EQ(pids.size(), 1u);  // the exec'd process has exited and left the cgroup
}

TEST_F(Exec, ExitStatusEnvCwdUserAndProcessJson) {
    start_sleeper("ex2");
    EXPECT_EQ(strata({"exec", "ex2", "sh", "-c", "exit 42"}).status, 42);
    auto env = strata({"exec", "--env", "FOO=bar", "--cwd", "/tmp", "ex2", "sh", "-c", "echo $FOO; pwd"});
    EXPECT_EQ(env.out, "bar\n/tmp\n");
    // The issue's exact case (crun CVE-2026-30892): exactly uid and gid 1000.
    auto user = strata({"exec", "-u", "1000:1000", "ex2", "sh", "-c", "id -u; id -g; grep -E '^(Uid|Gid)' /proc/self/status"});
    EXPECT_EQ(user.out, "1000\n1000\nUid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\n");
    // A name without a group: the user's primary group from the container's /etc/passwd.
    auto named = strata({"exec", "-u", "nobody", "ex2", "sh", "-c", "id -u; id -g"});
    EXPECT_EQ(named.out, "65534\n65534\n");
    std::string process = root.path() + "/process.json";
    write_text(process, R"({"args":["sh","-c","echo from-json $X"],"env":["PATH=/bin","X=1"],"cwd":"/","user":{"uid":0,"gid":0}})");
    auto pj = strata({"exec", "--process", process, "ex2"});
    EXPECT_EQ(pj.status, 0) << pj.err;
    EXPECT_EQ(pj.out, "from-json 1\n");
}

// CVE-2022-29162: exec --cap must not make any capability inheritable.
TEST_F(Exec, CapFlagLeavesInheritableEmpty) {
    start_sleeper("ex3");
    auto r = strata({"exec", "--cap", "CAP_NET_ADMIN", "ex3", "grep", "-E", "^Cap(Inh|Eff|Amb)", "/proc/self/status"});
    ASSERT_EQ(r.status, 0) << r.err;
    // Default 0x20000420 plus CAP_NET_ADMIN (12) = 0x20001420.
    EXPECT_EQ(r.out, "CapInh:\t0000000000000000\nCapEff:\t0000000020001420\nCapAmb:\t0000000000000000\n");
    auto bad = strata({"exec", "--cap", "CAP_BOGUS", "ex3", "true"});
    EXPECT_EQ(bad.status, 1);
    EXPECT_NE(bad.err.find("unknown capability \"CAP_BOGUS\""), std::string::npos);
}

TEST_F(Exec, DetachWritesPidFileAndLeavesTheProcessRunning) {
    start_sleeper("ex4");
    std::string pidfile = root.path() + "/exec.pid";
    auto r = strata.detached({"exec", "--detach", "--pid-file", pidfile, "ex4", "sleep", "100"}, log_path());
    ASSERT_EQ(r.status, 0) << r.out;
    int pid = std::stoi(read_text(pidfile));
    // exec returns once the exec guard's shim runs; the shim execs the command right after.
    EXPECT_TRUE(eventually([&] { return read_text("/proc/" + std::to_string(pid) + "/comm") == "sleep\n"; }));
    auto pids = nlohmann::json::parse(strata({"ps", "--format", "json", "ex4"}).out).get<std::vector<int>>();
    EXPECT_NE(std::find(pids.begin(), pids.end(), pid), pids.end());
}

TEST_F(Exec, IntoStoppedOrUnknownContainersFailsCleanly) {
    bundle->set_args({"true"});
    ASSERT_EQ(strata.detached({"run", "-d", "-b", bundle->path(), "dead"}, log_path()).status, 0);
    ASSERT_TRUE(eventually([&] { return status_of("dead") == "stopped"; }));
    auto r = strata({"exec", "dead", "true"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "strata: exec dead: cannot exec in a stopped container\n");
    auto u = strata({"exec", "nope", "true"});
    EXPECT_EQ(u.err, "strata: container \"nope\" does not exist\n");
    auto missing = strata({"exec", "dead"});
    EXPECT_EQ(missing.status, 1);
    EXPECT_EQ(our_inits(), std::vector<int>{});
}

TEST_F(Exec, MissingConsoleSocketIsAClearError) {
    start_sleeper("ex5");
    auto r = strata({"exec", "--tty", "--console-socket", root.path() + "/no.sock", "--detach", "ex5", "sh"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("--console-socket \"" + root.path() + "/no.sock\": ENOENT"), std::string::npos) << r.err;
    bundle->config["process"]["terminal"] = true;
    bundle->save();
    auto c = strata({"create", "--console-socket", root.path() + "/no.sock", "-b", bundle->path(), "ct"});
    EXPECT_EQ(c.status, 1);
    EXPECT_NE(c.err.find("ENOENT"), std::string::npos) << c.err;
    EXPECT_EQ(status_of("ct").rfind("error", 0), 0u);
}

TEST_F(Exec, CreateSendsThePtyMasterToTheConsoleSocket) {
    std::string sock = root.path() + "/console.sock";
    ConsoleSocket console(sock);
    bundle->config["process"]["terminal"] = true;
    bundle->config["process"]["consoleSize"] = {{"height", 30}, {"width", 100}};
    bundle->set_args({"sh", "-c", "tty; stty size; [ /dev/console -ef $(tty) ] && echo console-is-pty; read line; echo got-$line"});
    std::string name;
    std::thread rx([&] { name = console.receive(); });
    auto c = strata.detached({"create", "--console-socket", sock, "-b", bundle->path(), "tty1"}, log_path());
    rx.join();
    ASSERT_EQ(c.status, 0) << c.out;
    ASSERT_GE(console.master(), 0);
    EXPECT_EQ(name, "/dev/pts/0");
    ASSERT_EQ(strata({"start", "tty1"}).status, 0);
    std::string out = console.read_until("console-is-pty");
    EXPECT_NE(out.find("/dev/pts/0\r\n30 100\r\n"), std::string::npos) << out;
    ASSERT_EQ(write(console.master(), "hello\n", 6), 6);
    out = console.read_until("got-hello");
    EXPECT_NE(out.find("got-hello"), std::string::npos) << out;
}

TEST_F(Exec, ExecWithConsoleSocket) {
    start_sleeper("ex6");
    std::string sock = root.path() + "/exec.sock";
    ConsoleSocket console(sock);
    std::thread rx([&] { console.receive(); });
    auto r = strata.detached({"exec", "-t", "--console-socket", sock, "-d", "ex6", "sh", "-c", "tty; echo exec-tty-ok; sleep 1"}, log_path());
    rx.join();
    ASSERT_EQ(r.status, 0) << r.out;
    std::string out = console.read_until("exec-tty-ok");
    EXPECT_NE(out.find("/dev/pts/0\r\nexec-tty-ok"), std::string::npos) << out;
}

// strata run of an interactive shell behaves like `docker run -it`: a real pty in front of strata,
// raw mode, input reaches the shell, window size follows, the exit status comes back.
TEST_F(Exec, ForegroundRunRelaysTheTerminal) {
    bundle->config["process"]["terminal"] = true;
    bundle->set_args({"sh"});
    OnPty t = run_on_pty({strata_bin(), "--root", root.path(), "run", "-b", bundle->path(), "it"}, 40, 120);
    ASSERT_GE(t.pid, 0);
    int master = t.master;
    auto read_until = [&](const std::string& until) {
        std::string out;
        test::read_until(master, out, until, std::chrono::seconds(10));
        return out;
    };
    std::string cmd = "stty size; echo $((6*7)); exit 3\n";
    ASSERT_EQ(write(master, cmd.data(), cmd.size()), static_cast<ssize_t>(cmd.size()));
    std::string out = read_until("42");
    EXPECT_NE(out.find("40 120"), std::string::npos) << out;
    EXPECT_NE(out.find("42"), std::string::npos) << out;
    EXPECT_EQ(WEXITSTATUS(t.wait()), 3);
}

TEST_F(Exec, PreserveFdsAndListenFds) {
    bundle->set_args({"sh", "-c", "ls /proc/self/fd; echo LISTEN_FDS=$LISTEN_FDS LISTEN_PID=$LISTEN_PID; cat <&3"});
    std::string data = root.path() + "/data";
    write_text(data, "through fd 3\n");
    auto pres = run_cmd({"sh", "-c", "exec 3<" + data + " 4</etc/hostname; exec \"$@\"", "sh", strata_bin(), "--root", root.path(),
                         "run", "--preserve-fds", "1", "-b", bundle->path(), "pf"});
    ASSERT_EQ(pres.status, 0) << pres.err;
    EXPECT_EQ(pres.out, "0\n1\n2\n3\n4\nLISTEN_FDS= LISTEN_PID=\nthrough fd 3\n") << pres.out;  // 4 is ls's own
    auto listen = run_cmd({"sh", "-c", "exec 3<" + data + " 4</etc/hostname; LISTEN_FDS=1 exec \"$@\"", "sh", strata_bin(), "--root",
                           root.path(), "run", "-b", bundle->path(), "lf"});
    ASSERT_EQ(listen.status, 0) << listen.err;
    EXPECT_EQ(listen.out, "0\n1\n2\n3\n4\nLISTEN_FDS=1 LISTEN_PID=1\nthrough fd 3\n") << listen.out;
}

}  // namespace
}  // namespace strata::test

namespace strata::test {
namespace {

// The container's seccomp profile (strata spec's default here) confines exec'd processes too.
TEST_F(Exec, ExecIsConfinedByTheContainersSeccompProfile) {
    ASSERT_TRUE(bundle->config["linux"].contains("seccomp")) << "strata spec's default has a profile";
    bundle->set_args({"sleep", "1000"});
    ASSERT_EQ(strata.detached({"run", "-d", "-b", bundle->path(), "sc"}, log_path()).status, 0);
    auto r = strata({"exec", "sc", "sh", "-c", "unshare -U true 2>/dev/null; echo unshare=$?; grep Seccomp: /proc/self/status"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "unshare=1\nSeccomp:\t2\n");
}

}  // namespace
}  // namespace strata::test
