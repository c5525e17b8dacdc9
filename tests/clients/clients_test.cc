// The engines people use, driving strata unchanged: Podman (through conmon) and containerd
// (through its runc shim and ctr), both from Debian's packages, each fully isolated in temp dirs.

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <thread>

#include "tests/support/bundle.h"
#include "tests/support/cli.h"
#include "tests/support/http.h"
#include "tests/support/podman.h"
#include "tests/support/require.h"

namespace strata::test {
namespace {

namespace fs = std::filesystem;

TEST_F(Podman, RunRmEchoesAndPropagatesTheExitCode) {
    auto r = env->run(run_args({"--rm", kImage, "echo", "hi"}));
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "hi\n");
    auto code = env->run(run_args({"--rm", kImage, "sh", "-c", "exit 3"}));
    EXPECT_EQ(code.status, 3) << code.err;
}

TEST_F(Podman, DetachedExecLogsStopRm) {
    auto d = env->run(run_args({"-d", "--name", "web", kImage, "sh", "-c", "trap 'exit 0' TERM; echo started; while :; do sleep 0.1; done"}));
    ASSERT_EQ(d.status, 0) << d.err;
    auto e = env->run({"exec", "web", "sh", "-c", "echo exec-ok; hostname"});
    EXPECT_EQ(e.status, 0) << e.err;
    EXPECT_EQ(e.out.substr(0, 8), "exec-ok\n");
    EXPECT_EQ(env->run({"exec", "web", "sh", "-c", "exit 7"}).status, 7);
    auto logs = env->run({"logs", "web"});
    EXPECT_EQ(logs.out, "started\n") << logs.err;
    auto stop = env->run({"stop", "-t", "5", "web"});
    EXPECT_EQ(stop.status, 0) << stop.err;
    auto inspect = env->run({"inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", "web"});
    EXPECT_EQ(inspect.out, "exited 0\n");  // the trap ran: SIGTERM reached the process
    EXPECT_EQ(env->run({"rm", "web"}).status, 0);
    EXPECT_EQ(env->run({"ps", "-aq"}).out, "");
}

TEST_F(Podman, HardenedReadOnlyNoCapabilitiesNonRoot) {
    auto r = env->run(run_args({"--rm", "--read-only", "--cap-drop=all", "--user", "65534", kImage, "sh", "-c",
                                "id -u; grep CapEff /proc/self/status; touch /x 2>/dev/null || echo ro"}));
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "65534\nCapEff:\t0000000000000000\nro\n");
}

TEST_F(Podman, InteractiveThroughAPty) {
    OnPty t = run_on_pty(env->argv(run_args({"--rm", "-it", kImage, "sh"})));
    ASSERT_GE(t.pid, 0);
    int master = t.master;
    std::string cmd = "tty; echo $((6*7)); exit 5\n";
    // Wait for the shell's prompt before typing (Podman attaches after the container starts).
    std::string out;
    auto read_until = [&](const std::string& until, int secs) {
        test::read_until(master, out, until, std::chrono::seconds(secs));
    };
    read_until("# ", 60);
    ASSERT_EQ(write(master, cmd.data(), cmd.size()), static_cast<ssize_t>(cmd.size()));
    read_until("42", 30);
    EXPECT_NE(out.find("/dev/pts/0"), std::string::npos) << out;
    EXPECT_NE(out.find("42"), std::string::npos) << out;
    EXPECT_EQ(WEXITSTATUS(t.wait()), 5) << out;
}

TEST_F(Podman, RuntimeErrorsReachTheUser) {
    auto r = env->run(run_args({"--rm", kImage, "/no/such/binary"}));
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.err.find("/no/such/binary"), std::string::npos) << r.err;
}

// containerd with its own config, root, state and socket, driven by ctr.
class Containerd : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        if (!is_root() || !fs::exists("/usr/bin/containerd") || !fs::exists("/usr/bin/podman")) return;
        dir = new TempDir("strata-containerd");
        std::string d = dir->path();
        write_text(d + "/config.toml", "version = 2\nroot = \"" + d + "/root\"\nstate = \"" + d + "/state\"\n"
                                       "disabled_plugins = [\"io.containerd.grpc.v1.cri\", \"io.containerd.internal.v1.opt\"]\n[grpc]\n  address = \"" + d +
                                           "/containerd.sock\"\n[ttrpc]\n  address = \"" + d + "/containerd.sock.ttrpc\"\n");
        daemon = fork();
        if (daemon == 0) {
            int log = open((d + "/containerd.log").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
            dup2(log, 1);
            dup2(log, 2);
            execl("/usr/bin/containerd", "containerd", "--config", (d + "/config.toml").c_str(), nullptr);
            _exit(127);
        }
        for (int i = 0; i < 200 && !fs::exists(d + "/containerd.sock"); ++i) usleep(50000);
        // The image: the busybox rootfs, imported into a scratch Podman and saved as an OCI archive.
        PodmanEnv p;
        if (!p.ok()) return;
        auto save = p.run({"save", "--format", "oci-archive", "-o", d + "/image.tar", kImage});
        auto imp = ctr({"image", "import", "--base-name", "localhost/strata-test", d + "/image.tar"});
        ready = save.status == 0 && imp.status == 0;
        setup_error = save.err + imp.err;
    }
    static void TearDownTestSuite() {
        if (daemon > 0) {
            kill(daemon, SIGTERM);
            waitpid(daemon, nullptr, 0);
        }
        if (dir) run_cmd({"sh", "-c", "grep -o ' " + dir->path() + "[^ ]*' /proc/self/mountinfo | sort -r | xargs -r umount -l"});
        delete dir;
        dir = nullptr;
    }
    void SetUp() override {
        STRATA_REQUIRE_ROOT();
        STRATA_REQUIRE(dir != nullptr, "containerd or podman is not installed");
        ASSERT_TRUE(ready) << setup_error;
    }
    static CmdResult ctr(const std::vector<std::string>& args) {
        std::vector<std::string> a = {"ctr", "--address", dir->path() + "/containerd.sock"};
        a.insert(a.end(), args.begin(), args.end());
        return run_cmd(a, "", std::chrono::seconds(60));
    }
    static TempDir* dir;
    static pid_t daemon;
    static bool ready;
    static std::string setup_error;
};
TempDir* Containerd::dir = nullptr;
pid_t Containerd::daemon = -1;
bool Containerd::ready = false;
std::string Containerd::setup_error;

TEST_F(Containerd, CtrRunToCompletionWithOutputAndExitCode) {
    auto r = ctr({"run", "--runc-binary", strata_bin(), "--rm", kImage, "ctr1", "sh", "-c", "echo hello from ctr; exit 4"});
    EXPECT_EQ(r.status, 4) << r.err;
    EXPECT_EQ(r.out, "hello from ctr\n");
    EXPECT_EQ(ctr({"container", "ls", "-q"}).out, "");
}

TEST_F(Containerd, TaskExecPauseResumeKill) {
    auto d = ctr({"run", "-d", "--runc-binary", strata_bin(), kImage, "ctr2", "sh", "-c", "while :; do sleep 0.1; done"});
    ASSERT_EQ(d.status, 0) << d.err;
    auto e = ctr({"task", "exec", "--exec-id", "e1", "ctr2", "sh", "-c", "echo exec-ok; exit 6"});
    EXPECT_EQ(e.status, 6) << e.err;
    EXPECT_EQ(e.out, "exec-ok\n");
    EXPECT_EQ(ctr({"task", "pause", "ctr2"}).status, 0);
    EXPECT_NE(ctr({"task", "ls"}).out.find("PAUSED"), std::string::npos);
    EXPECT_EQ(ctr({"task", "resume", "ctr2"}).status, 0);
    EXPECT_NE(ctr({"task", "ls"}).out.find("RUNNING"), std::string::npos);
    EXPECT_EQ(ctr({"task", "kill", "-s", "SIGKILL", "ctr2"}).status, 0);
    for (int i = 0; i < 100 && ctr({"task", "ls"}).out.find("STOPPED") == std::string::npos; ++i) usleep(50000);
    EXPECT_EQ(ctr({"task", "rm", "ctr2"}).status, 0);
    EXPECT_EQ(ctr({"container", "rm", "ctr2"}).status, 0);
    // The shim's runtime root: strata left no state behind.
    EXPECT_EQ(run_cmd({"sh", "-c", "ls -A " + dir->path() + "/state/io.containerd.runtime.v2.task/default 2>/dev/null"}).out, "");
}


// containerd's shim runs `strata exec --detach --pid-file` and waits for that pid as the exec'd
// process: on the VM substrate it is the exec proxy, whose exit is the guest process's.
TEST_F(Containerd, TaskExecIntoAVm) {
    auto info = run_cmd({strata_bin(), "info", "--json"});
    auto vm = nlohmann::json::parse(info.out)["vm"];
    STRATA_REQUIRE(!vm["backend"].is_null() && vm["kernel"].contains("path"), "no VM backend or guest kernel: " + vm.dump());
    std::string id = "ctrvmexec" + std::to_string(getpid());
    auto d = ctr({"run", "-d", "--runc-binary", strata_bin(), "--annotation", "org.strata.substrate=vm", kImage, id, "sleep", "1000"});
    ASSERT_EQ(d.status, 0) << d.err;
    auto host = run_cmd({"uname", "-r"});
    auto e = ctr({"task", "exec", "--exec-id", "e1", id, "sh", "-c", "uname -r; echo exec-in-vm; exit 6"});
    EXPECT_EQ(e.status, 6) << e.err;
    EXPECT_NE(e.out.find("exec-in-vm\n"), std::string::npos) << e.out;
    EXPECT_EQ(e.out.find(host.out), std::string::npos) << "ran on the host's kernel: " << e.out;
    // The shim's task ps is `strata ps --format json`: the guest's pids, the workload's first.
    auto ps = ctr({"task", "ps", id});
    EXPECT_EQ(ps.status, 0) << ps.err;
    std::vector<std::string> lines;
    std::istringstream in(ps.out);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    ASSERT_EQ(lines.size(), 2u) << ps.out;
    EXPECT_TRUE(lines[1].starts_with("1 ")) << "not the guest's pid 1: " << ps.out;
    ctr({"task", "kill", "-s", "SIGKILL", id});
    for (int i = 0; i < 100 && ctr({"task", "ls"}).out.find("STOPPED") == std::string::npos; ++i) usleep(100000);
    ctr({"task", "rm", "-f", id});
    EXPECT_EQ(ctr({"container", "rm", id}).status, 0);
}

// A network namespace set up the way containerd's CRI sets one up for a pod: CNI's bridge plugin
// with host-local IPAM, run here by hand. A micro-VM joined to it by ctr gets the address and
// serves on it.
TEST_F(Containerd, VmInACniNetworkIsReachableOnItsAddress) {
    auto info = run_cmd({strata_bin(), "info", "--json"});
    auto vm = nlohmann::json::parse(info.out)["vm"];
    STRATA_REQUIRE(!vm["backend"].is_null() && vm["kernel"].contains("path"), "no VM backend or guest kernel: " + vm.dump());
    STRATA_REQUIRE(fs::exists("/usr/lib/cni/bridge"), "no CNI plugins (apt-get install containernetworking-plugins)");
    std::string d = dir->path(), ns = "strata-cni-" + std::to_string(getpid()), id = "ctrvm" + std::to_string(getpid());
    std::string bridge = "stcni" + std::to_string(getpid() % 10000);
    ASSERT_EQ(run_cmd({"ip", "netns", "add", ns}).status, 0);
    write_text(d + "/cni.json", R"({"cniVersion": "1.0.0", "name": "strata-test", "type": "bridge", "bridge": ")" + bridge +
                                    R"(", "isGateway": true, "ipMasq": false, "ipam": {"type": "host-local", "subnet": "10.214.9.0/24", "dataDir": ")" +
                                    d + R"(/ipam"}})");
    auto cni = [&](const std::string& command) {
        return run_cmd({"sh", "-c", "CNI_COMMAND=" + command + " CNI_CONTAINERID=" + id + " CNI_NETNS=/run/netns/" + ns +
                                        " CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni /usr/lib/cni/bridge < " + d + "/cni.json"});
    };
    auto added = cni("ADD");
    ASSERT_EQ(added.status, 0) << added.out << added.err;
    std::string address = nlohmann::json::parse(added.out)["ips"][0]["address"];  // "10.214.9.2/24"
    std::string ip = address.substr(0, address.find('/'));
    auto r = ctr({"run", "-d", "--runc-binary", strata_bin(), "--annotation", "org.strata.substrate=vm", "--with-ns",
                  "network:/run/netns/" + ns, kImage, id, "sh", "-c",
                  "mkdir -p /tmp/www && echo hello-cni > /tmp/www/index.html && exec httpd -f -p 80 -h /tmp/www"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(http_get(ip, 80, std::chrono::seconds(120)), "hello-cni\n");
    ctr({"task", "kill", "-s", "KILL", id});
    for (int i = 0; i < 100 && ctr({"task", "ls", "-q"}).out.find(id) != std::string::npos; ++i) usleep(100000);
    ctr({"task", "rm", "-f", id});
    EXPECT_EQ(ctr({"container", "rm", id}).status, 0);
    // Nothing of strata's stays in the namespace the CNI plugin owns.
    auto left = run_cmd({"ip", "netns", "exec", ns, "sh", "-c", "ip -o link | grep _strata; tc qdisc show | grep ingress; true"});
    EXPECT_EQ(left.out, "");
    cni("DEL");
    run_cmd({"ip", "netns", "del", ns});
    run_cmd({"ip", "link", "del", bridge});
}

// The README's Podman section gives the ulimits this suite has to pass on a host without
// CAP_SYS_RESOURCE (it once said Podman "needs no other setting").
TEST(Readme, PodmanSectionGivesTheUlimitsThisSuitePasses) {
    std::string readme = read_text(STRATA_SOURCE_DIR "/README.md");
    std::string flags;
    for (const auto& a : kUlimits) flags += (flags.empty() ? "" : " ") + a;
    auto podman = readme.find("**Podman**");
    auto containerd = readme.find("**containerd**");
    ASSERT_NE(podman, std::string::npos);
    std::string section = readme.substr(podman, containerd - podman);
    EXPECT_NE(section.find(flags), std::string::npos) << section;
    EXPECT_NE(section.find("CAP_SYS_RESOURCE"), std::string::npos) << section;
}

// The README's containerd snippet, started for real: as a whole config file, on top of
// `containerd config default` and at the end of Debian's stock config.toml. The CRI plugin must
// load ("ok" in `ctr plugins ls`); the snippet it replaces made it fail on the stock file.
class ContainerdConfig : public ::testing::Test {
protected:
    void SetUp() override {
        STRATA_REQUIRE_ROOT();
        STRATA_REQUIRE(fs::exists("/usr/bin/containerd"), "containerd is not installed (apt-get install containerd)");
    }
    // The indented block after the README's marker line, unindented.
    static std::string readme_snippet() {
        std::istringstream in(read_text(STRATA_SOURCE_DIR "/README.md"));
        std::string line, out;
        bool after_marker = false;
        while (std::getline(in, line)) {
            if (!after_marker) {
                after_marker = line.starts_with("<!-- containerd-snippet");
                continue;
            }
            if (line.empty()) {
                if (!out.empty()) out += "\n";
                continue;
            }
            if (!line.starts_with("    ")) break;
            out += line.substr(4) + "\n";
        }
        return out;
    }
    // Where containerd keeps things, in `d`: top-level keys (before any table) and the socket.
    // The opt plugin is off: it would make a directory on the host (/opt/containerd).
    static std::string private_keys(const std::string& d) {
        return "root = \"" + d + "/root\"\nstate = \"" + d + "/state\"\ndisabled_plugins = [\"io.containerd.internal.v1.opt\"]\n";
    }
    static std::string private_grpc(const std::string& d) { return "\n[grpc]\n  address = \"" + d + "/containerd.sock\"\n"; }
    // Starts containerd on `config` and returns `ctr plugins ls` (and, when the CRI plugin is
    // not listed ok, containerd's log).
    static std::string plugins_with(const TempDir& dir, const std::string& config) {
        const std::string& d = dir.path();
        write_text(d + "/config.toml", config);
        pid_t daemon = fork();
        if (daemon == 0) {
            int log = open((d + "/containerd.log").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
            dup2(log, 1);
            dup2(log, 2);
            execl("/usr/bin/containerd", "containerd", "--config", (d + "/config.toml").c_str(), nullptr);
            _exit(127);
        }
        for (int i = 0; i < 200 && !fs::exists(d + "/containerd.sock"); ++i) usleep(50000);
        auto ls = run_cmd({"ctr", "--address", d + "/containerd.sock", "plugins", "ls"});
        kill(daemon, SIGTERM);
        waitpid(daemon, nullptr, 0);
        run_cmd({"sh", "-c", "grep -o ' " + d + "[^ ]*' /proc/self/mountinfo | sort -r | xargs -r umount -l"});
        return ls.out + ls.err + "\n--- containerd.log:\n" + read_text(d + "/containerd.log");
    }
    static bool cri_ok(const std::string& plugins) {
        std::istringstream in(plugins);
        std::string line;
        while (std::getline(in, line)) {
            std::istringstream w(line);
            std::string type, id, platform, status;
            w >> type >> id >> platform >> status;
            if (type == "io.containerd.grpc.v1" && id == "cri") return status == "ok";
        }
        return false;
    }
};

TEST_F(ContainerdConfig, ReadmeSnippetKeepsTheCriPluginWorking) {
    const std::string snippet = readme_snippet();
    ASSERT_NE(snippet.find("runtimes.strata.options]"), std::string::npos) << snippet;
    EXPECT_NE(snippet.find("runtimes.runc]"), std::string::npos) << snippet;
    // Its tables, each with its lines, for files that define some of them already.
    auto tables_except = [&](const std::string& config) {
        std::istringstream in(snippet);
        std::string line, out;
        bool keep = false;
        while (std::getline(in, line)) {
            if (line.starts_with("version")) continue;
            std::string t = line.substr(line.find_first_not_of(' ') == std::string::npos ? 0 : line.find_first_not_of(' '));
            if (t.starts_with("[")) keep = config.find(t) == std::string::npos;
            if (keep) out += line + "\n";
        }
        return out;
    };
    {
        SCOPED_TRACE("the snippet as the whole file");
        TempDir d("strata-ctrd-cfg");
        auto p = plugins_with(d, private_keys(d.path()) + snippet + private_grpc(d.path()));
        EXPECT_TRUE(cri_ok(p)) << p;
    }
    {
        // What the README says: only strata's tables go into such a file (it has runc's).
        SCOPED_TRACE("on top of containerd config default");
        TempDir d("strata-ctrd-cfg");
        std::string def = run_cmd({"containerd", "config", "default"}).out;
        ASSERT_NE(def.find("runtimes.runc]"), std::string::npos) << def;
        std::string added = tables_except(def);
        EXPECT_EQ(added.find("runtimes.runc]"), std::string::npos) << added;
        EXPECT_NE(added.find("runtimes.strata]"), std::string::npos) << added;
        // Its paths and socket made private, and its opt plugin off.
        std::string config;
        std::istringstream in(def);
        std::string line;
        bool in_grpc = false;
        while (std::getline(in, line)) {
            if (line.starts_with("root = ")) line = "root = \"" + d.path() + "/root\"";
            else if (line.starts_with("state = ")) line = "state = \"" + d.path() + "/state\"";
            else if (line.starts_with("disabled_plugins = ")) line = "disabled_plugins = [\"io.containerd.internal.v1.opt\"]";
            if (line.starts_with("[")) in_grpc = line == "[grpc]";
            if (in_grpc && line.starts_with("  address = ")) line = "  address = \"" + d.path() + "/containerd.sock\"";
            config += line + "\n";
        }
        auto p = plugins_with(d, config + "\n" + added);
        EXPECT_TRUE(cri_ok(p)) << p;
    }
    {
        SCOPED_TRACE("at the end of Debian's stock /etc/containerd/config.toml");
        TempDir d("strata-ctrd-cfg");
        const std::string stock =
            "[plugins]\n  [plugins.\"io.containerd.grpc.v1.cri\"]\n    [plugins.\"io.containerd.grpc.v1.cri\".cni]\n"
            "      bin_dir = \"/usr/lib/cni\"\n      conf_dir = \"/etc/cni/net.d\"\n";
        // Its `version = 2` line is the snippet's (one of the two stays).
        auto p = plugins_with(d, "version = 2\n" + private_keys(d.path()) + "\n" + stock + "\n" + tables_except(stock) + private_grpc(d.path()));
        EXPECT_TRUE(cri_ok(p)) << p;
    }
}

}  // namespace
}  // namespace strata::test
