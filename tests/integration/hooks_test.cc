// OCI hooks: each kind runs at its moment, in its namespace, with the state on stdin; timeouts and
// failures behave as the spec says.

#include <sys/stat.h>

#include "tests/integration/fixture.h"

namespace strata::test {
namespace {

class Hooks : public ContainerTest {
protected:
    // A hook script that appends "<name> <status> <pid> <hostname> <has-rootfs-bin>" to a log.
    std::string hook(const std::string& name, const std::string& extra = "") {
        std::string path = root.path() + "/hook-" + name;
        write_text(path, "#!/bin/sh\nstate=$(cat)\nstatus=$(echo \"$state\" | sed 's/.*\"status\":\"\\([a-z]*\\)\".*/\\1/')\n"
                         "echo \"" + name + " $status $(hostname) $(test -e /proc/self/ns && readlink /proc/self/ns/mnt)\" >> " +
                             log() + "\n" + extra + "\n");
        chmod(path.c_str(), 0755);
        return path;
    }
    std::string log() const { return root.path() + "/hooks.log"; }
    std::vector<std::vector<std::string>> entries() {
        std::vector<std::vector<std::string>> out;
        std::istringstream in(read_text(log()));
        std::string line;
        while (std::getline(in, line)) {
            std::istringstream w(line);
            std::vector<std::string> f;
            std::string x;
            while (w >> x) f.push_back(x);
            out.push_back(f);
        }
        return out;
    }
};

TEST_F(Hooks, EachKindRunsInOrderWithTheRightStatusAndNamespace) {
    bundle->config["hostname"] = "in-container";
    auto& h = bundle->config["hooks"];
    for (const char* kind : {"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"})
        h[kind] = {{{"path", hook(kind)}}};
    // startContainer runs inside the container after pivot_root, so its path resolves there.
    std::string in_rootfs = bundle->rootfs() + "/hook-startContainer";
    write_text(in_rootfs, "#!/bin/sh\necho startContainer $(cat | sed 's/.*\"status\":\"\\([a-z]*\\)\".*/\\1/') $(hostname) > /dev/shm/started\n");
    chmod(in_rootfs.c_str(), 0755);
    h["startContainer"] = {{{"path", "/hook-startContainer"}}};
    bundle->set_args({"sh", "-c", "cat /dev/shm/started"});
    auto r = strata({"run", "-b", bundle->path(), "hk"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "startContainer created in-container\n");
    char host[256];
    gethostname(host, sizeof host);
    std::string host_mnt(256, '\0');
    host_mnt.resize(readlink("/proc/self/ns/mnt", host_mnt.data(), host_mnt.size()));
    auto e = entries();
    ASSERT_EQ(e.size(), 5u) << read_text(log());
    // runtime-spec (runtime.md, Lifecycle): prestart, createRuntime and createContainer are steps
    // 3-5, after the create operation (step 2, "creating") finished: the state is "created".
    EXPECT_EQ(e[0][0], "prestart");
    EXPECT_EQ(e[0][1], "created");
    EXPECT_EQ(e[0][2], host);  // the runtime's namespaces
    EXPECT_EQ(e[0][3], host_mnt);
    EXPECT_EQ(e[1][0], "createRuntime");
    EXPECT_EQ(e[1][1], "created");
    EXPECT_EQ(e[1][2], host);
    EXPECT_EQ(e[2][0], "createContainer");
    EXPECT_EQ(e[2][1], "created");
    EXPECT_EQ(e[2][2], "in-container");  // the container's namespaces
    EXPECT_NE(e[2][3], host_mnt);
    EXPECT_EQ(e[3][0], "poststart");
    EXPECT_EQ(e[3][1], "running");
    EXPECT_EQ(e[4][0], "poststop");
    EXPECT_EQ(e[4][1], "stopped");
}

// Every kind's stdin, as runtime-tools' hooks_stdin checks it: the same id, bundle, pid and
// annotations for all, and the status of the lifecycle step the hook runs at.
TEST_F(Hooks, EveryKindGetsTheStateOfItsStepOnStdin) {
    const std::vector<std::pair<std::string, std::string>> kinds = {
        {"prestart", "created"}, {"createRuntime", "created"}, {"createContainer", "created"},
        {"startContainer", "created"}, {"poststart", "running"}, {"poststop", "stopped"}};
    // startContainer runs in the container after pivot_root: its script and output live in the
    // rootfs, the others' on the host.
    std::string dump = root.path() + "/dump";
    write_text(dump, "#!/bin/sh\ncat > \"$1\"\n");
    chmod(dump.c_str(), 0755);
    write_text(bundle->rootfs() + "/dump", "#!/bin/sh\ncat > \"$1\"\n");
    chmod((bundle->rootfs() + "/dump").c_str(), 0755);
    bundle->config["root"]["readonly"] = false;
    for (const auto& [kind, status] : kinds) {
        if (kind == "startContainer")
            bundle->config["hooks"][kind] = {{{"path", "/dump"}, {"args", {"dump", "/state-" + kind}}}};
        else
            bundle->config["hooks"][kind] = {{{"path", dump}, {"args", {"dump", root.path() + "/state-" + kind}}}};
    }
    bundle->config["annotations"] = {{"org.opencontainers.runtime-tools", "hook stdin test"}};
    bundle->set_args({"true"});
    std::string id = "stdin-" + std::to_string(::getpid());
    ASSERT_EQ(strata.detached({"create", "-b", bundle->path(), id}, log_path()).status, 0) << read_text(log_path());
    int pid = nlohmann::json::parse(strata({"state", id}).out)["pid"];
    ASSERT_EQ(strata({"start", id}).status, 0);
    EXPECT_TRUE(eventually([&] { return status_of(id) == "stopped"; }));
    ASSERT_EQ(strata({"delete", id}).status, 0);
    for (const auto& [kind, status] : kinds) {
        SCOPED_TRACE(kind);
        std::string file = kind == "startContainer" ? bundle->rootfs() + "/state-" + kind : root.path() + "/state-" + kind;
        auto j = nlohmann::json::parse(read_text(file), nullptr, false);
        ASSERT_TRUE(j.is_object()) << read_text(file);
        EXPECT_EQ(j["status"], status);
        EXPECT_EQ(j["id"], id);
        EXPECT_EQ(j["bundle"], bundle->path());
        EXPECT_EQ(j["ociVersion"], "1.2.0");
        EXPECT_EQ(j["annotations"], nlohmann::json({{"org.opencontainers.runtime-tools", "hook stdin test"}}));
        if (kind != "poststop" && kind != "startContainer" && kind != "createContainer") {
            EXPECT_EQ(j["pid"], pid);
        }
    }
}

TEST_F(Hooks, StateOnStdinIsTheOciState) {
    std::string out = root.path() + "/state.json";
    std::string path = root.path() + "/dump";
    write_text(path, "#!/bin/sh\ncat > " + out + "\n");
    chmod(path.c_str(), 0755);
    bundle->config["hooks"]["createRuntime"] = {{{"path", path}, {"args", {"dump", "x"}}, {"env", {"A=b"}}}};
    bundle->config["annotations"] = {{"k", "v"}};
    bundle->set_args({"true"});
    ASSERT_EQ(strata({"run", "-b", bundle->path(), "st"}).status, 0);
    auto j = nlohmann::json::parse(read_text(out));
    EXPECT_EQ(j["id"], "st");
    EXPECT_EQ(j["status"], "created");
    EXPECT_EQ(j["bundle"], bundle->path());
    EXPECT_GT(j["pid"].get<int>(), 0);
    EXPECT_EQ(j["annotations"]["k"], "v");
    EXPECT_EQ(j["ociVersion"], "1.2.0");
}

TEST_F(Hooks, FailingCreateHookFailsCreateAndLeavesNothing) {
    bundle->config["hooks"]["createRuntime"] = {{{"path", hook("bad", "exit 3")}}};
    bundle->set_args({"true"});
    auto r = strata({"create", "-b", bundle->path(), "hf"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("createRuntime hook 0 (" + root.path() + "/hook-bad): exited with status 3"), std::string::npos) << r.err;
    EXPECT_EQ(strata({"list", "-q"}).out, "");
    EXPECT_EQ(our_inits(), std::vector<int>{});
}

TEST_F(Hooks, TimeoutIsHonoured) {
    bundle->config["hooks"]["prestart"] = {{{"path", hook("slow", "sleep 30")}, {"timeout", 1}}};
    bundle->set_args({"true"});
    auto t0 = std::chrono::steady_clock::now();
    auto r = strata({"run", "-b", bundle->path(), "ht"});
    auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("timed out after 1 s"), std::string::npos) << r.err;
    EXPECT_LT(took, std::chrono::seconds(10));
    EXPECT_EQ(processes_matching("hook-slow"), std::vector<int>{});
}

TEST_F(Hooks, PoststartAndPoststopFailuresAreWarnings) {
    bundle->config["hooks"]["poststart"] = {{{"path", hook("ps", "exit 1")}}};
    bundle->config["hooks"]["poststop"] = {{{"path", hook("pst", "exit 1")}}};
    bundle->set_args({"sh", "-c", "echo ran"});
    auto r = strata({"run", "-b", bundle->path(), "hw"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "ran\n");
    EXPECT_NE(r.err.find("warning: poststart hook 0"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("warning: poststop hook 0"), std::string::npos) << r.err;
}

TEST_F(Hooks, FailingStartContainerHookFailsStart) {
    bundle->config["hooks"]["startContainer"] = {{{"path", "/bin/false"}}};
    bundle->set_args({"true"});
    ASSERT_EQ(strata.detached({"create", "-b", bundle->path(), "hs"}, log_path()).status, 0);
    auto r = strata({"start", "hs"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("startContainer hook 0 (/bin/false): exited with status 1"), std::string::npos) << r.err;
    EXPECT_TRUE(eventually([&] { return status_of("hs") == "stopped"; }));
}

}  // namespace
}  // namespace strata::test
