// Bad input: one clear error line naming the file and JSON path or the object, exit status 1, and
// nothing left behind (no state dir, mount or process).

#include "tests/integration/fixture.h"

namespace strata::test {
namespace {

class BadInput : public ContainerTest {
protected:
    // Runs `create` and checks the failure contract; returns stderr.
    std::string create_fails(const std::string& id = "bad") {
        auto r = strata({"create", "-b", bundle->path(), id});
        EXPECT_EQ(r.status, 1) << r.out << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "not one line: " << r.err;
        EXPECT_EQ(r.err.rfind("strata: ", 0), 0u) << r.err;
        // The compiled-seccomp-filter cache is strata's, not the container's (security/seccomp/cache.h).
        EXPECT_EQ(run_cmd({"ls", "-A", "-I", ".cache:seccomp", root.path()}).out, "") << "state left behind";
        EXPECT_TRUE(mounts_containing(bundle->path()).empty());
        EXPECT_EQ(our_inits(), std::vector<int>{}) << "init process left behind";
        return r.err;
    }
    std::string config() const { return bundle->path() + "/config.json"; }
};

// An unknown or lower-case capability used to pass create and fail at start, which left a
// stopped container behind.
TEST_F(BadInput, UnknownCapabilityFailsCreateWithItsPath) {
    bundle->config["process"]["capabilities"]["bounding"].push_back("CAP_BANANA");
    bundle->save();
    EXPECT_EQ(create_fails(), "strata: " + config() + ": .process.capabilities.bounding[3]: unknown capability \"CAP_BANANA\"\n");
    bundle->config["process"]["capabilities"]["bounding"].erase(3);
    bundle->config["process"]["capabilities"]["effective"].push_back("cap_kill");
    bundle->save();
    EXPECT_EQ(create_fails(), "strata: " + config() + ": .process.capabilities.effective[3]: unknown capability "
                              "\"cap_kill\" (capability names are upper case: \"CAP_KILL\")\n");
    EXPECT_EQ(strata({"list", "-q"}).out, "");
}

TEST_F(BadInput, InvalidJson) {
    write_text(config(), "{\"ociVersion\": \"1.2.0\", ");
    auto err = create_fails();
    EXPECT_NE(err.find(config() + ": invalid JSON"), std::string::npos) << err;
}

TEST_F(BadInput, MissingRequiredField) {
    bundle->config.erase("root");
    bundle->save();
    EXPECT_EQ(create_fails(), "strata: " + config() + ": .root: is required\n");
}

TEST_F(BadInput, WrongTypeAndValue) {
    bundle->config["process"]["args"] = "sh";
    bundle->save();
    EXPECT_EQ(create_fails(), "strata: " + config() + ": .process.args: must be an array, not a string\n");
    bundle->config["process"]["args"] = nlohmann::json::array();
    bundle->save();
    EXPECT_EQ(create_fails(), "strata: " + config() + ": .process.args: must be a non-empty array\n");
    bundle->config["process"]["args"] = {"sh"};
    bundle->config["linux"]["namespaces"][0]["type"] = "pidd";
    bundle->save();
    EXPECT_EQ(create_fails(), "strata: " + config() + ": .linux.namespaces[0].type: unknown namespace type \"pidd\"\n");
}

TEST_F(BadInput, UnknownPropertiesAreIgnored) {
    bundle->config["futureField"] = {{"a", 1}};
    bundle->config["process"]["futureFlag"] = true;
    bundle->set_args({"true"});
    EXPECT_EQ(strata({"run", "-b", bundle->path(), "ok"}).status, 0);
}

TEST_F(BadInput, MissingRootfs) {
    bundle->config["root"]["path"] = "nope";
    bundle->save();
    auto err = create_fails();
    EXPECT_NE(err.find("rootfs: stat \"" + bundle->path() + "/nope\": ENOENT"), std::string::npos) << err;
}

TEST_F(BadInput, MissingExecutable) {
    bundle->set_args({"/bin/does-not-exist"});
    auto err = create_fails();
    EXPECT_NE(err.find("exec \"/bin/does-not-exist\": ENOENT"), std::string::npos) << err;
    bundle->set_args({"no-such-command"});
    err = create_fails();
    EXPECT_NE(err.find("executable file not found in $PATH"), std::string::npos) << err;
}

TEST_F(BadInput, FailureInsideTheInitLeavesNothing) {
    // Fails late, inside the container's init, after namespaces and mounts exist.
    bundle->config["mounts"].push_back({{"destination", "/x"}, {"type", "bind"}, {"source", "/does/not/exist"}, {"options", {"bind"}}});
    bundle->save();
    auto err = create_fails();
    EXPECT_NE(err.find("open \"/does/not/exist\": ENOENT"), std::string::npos) << err;
    bundle->config["mounts"].back() = {{"destination", "/x"}, {"type", "tmpfs"}, {"source", "tmpfs"}, {"options", {"size=banana"}}};
    bundle->save();
    err = create_fails();
    EXPECT_NE(err.find("mount \"tmpfs\": option \"size=banana\""), std::string::npos) << err;
}

TEST_F(BadInput, RlimitTheHostCannotGrant) {
    bundle->config["process"]["rlimits"] = {{{"type", "RLIMIT_NOFILE"}, {"soft", 1u << 30}, {"hard", 1u << 30}}};
    bundle->save();
    auto err = create_fails();
    EXPECT_NE(err.find("set RLIMIT_NOFILE to"), std::string::npos) << err;
}

TEST_F(BadInput, DuplicateAndUnknownIds) {
    bundle->set_args({"sleep", "100"});
    ASSERT_EQ(strata.detached({"create", "-b", bundle->path(), "dup"}, log_path()).status, 0);
    auto r = strata({"create", "-b", bundle->path(), "dup"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "strata: container \"dup\" already exists\n");
    for (auto cmd : {"start", "state", "delete"}) {
        auto u = strata({cmd, "ghost"});
        EXPECT_EQ(u.status, 1) << cmd;
        EXPECT_EQ(u.err, "strata: container \"ghost\" does not exist\n") << cmd;
    }
    auto bad_id = strata({"create", "-b", bundle->path(), "../escape"});
    EXPECT_EQ(bad_id.status, 1);
    EXPECT_NE(bad_id.err.find("invalid container id"), std::string::npos);
}

TEST_F(BadInput, WrongStateAndUnknownSignal) {
    bundle->set_args({"true"});
    ASSERT_EQ(strata.detached({"run", "-d", "-b", bundle->path(), "w"}, log_path()).status, 0);
    ASSERT_TRUE(eventually([&] { return status_of("w") == "stopped"; }));
    auto s = strata({"start", "w"});
    EXPECT_EQ(s.status, 1);
    EXPECT_EQ(s.err, "strata: cannot start container \"w\": it is stopped, not created\n");
    auto k = strata({"kill", "w", "TERM"});
    EXPECT_EQ(k.status, 1);
    EXPECT_EQ(k.err, "strata: kill w: container not running\n");
    auto sig = strata({"kill", "w", "SIGBOGUS"});
    EXPECT_EQ(sig.status, 1);
    EXPECT_EQ(sig.err, "strata: unknown signal \"SIGBOGUS\"\n");
}

TEST_F(BadInput, TerminalWithoutConsoleSocket) {
    bundle->config["process"]["terminal"] = true;
    bundle->save();
    auto err = create_fails();
    EXPECT_NE(err.find("--console-socket is required"), std::string::npos) << err;
}

TEST_F(BadInput, HostFdsDoNotLeakIntoTheContainer) {
    // The caller leaks fd 7 (a directory on the host) into strata; the container must not see it.
    bundle->set_args({"ls", "/proc/self/fd"});
    auto r = run_cmd({"sh", "-c", "exec 7</etc; exec \"$@\"", "sh", strata_bin(), "--root", root.path(),
                      "run", "-b", bundle->path(), "fds"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "0\n1\n2\n3\n") << r.out;  // 3 is ls's own directory fd
}

TEST_F(BadInput, CwdThroughALeakedFdIsRefused) {
    bundle->config["process"]["cwd"] = "/proc/self/fd/7";
    bundle->set_args({"pwd"});
    auto r = run_cmd({"sh", "-c", "exec 7</etc; exec \"$@\"", "sh", strata_bin(), "--root", root.path(),
                      "run", "-b", bundle->path(), "cwd"});
    EXPECT_EQ(r.status, 1) << r.out;
    EXPECT_NE(r.err.find("cwd"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace strata::test
