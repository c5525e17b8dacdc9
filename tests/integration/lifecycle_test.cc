// The OCI lifecycle through the CLI: create -> start -> state -> kill -> delete, run, exit codes.

#include <signal.h>
#include <sys/stat.h>

#include "tests/integration/fixture.h"

namespace strata::test {
namespace {

class Lifecycle : public ContainerTest {};

TEST_F(Lifecycle, StateWalksCreatedRunningStopped) {
    bundle->set_args({"sleep", "1000"});
    std::string pidfile = root.path() + "/pid";
    auto c = strata.detached({"create", "-b", bundle->path(), "--pid-file", pidfile, "c1"}, log_path());
    ASSERT_EQ(c.status, 0) << c.out;
    EXPECT_EQ(status_of("c1"), "created");
    auto st = nlohmann::json::parse(strata({"state", "c1"}).out);
    int pid = st["pid"];
    EXPECT_GT(pid, 0);
    EXPECT_EQ(read_text(pidfile), std::to_string(pid));
    EXPECT_EQ(st["bundle"], bundle->path());
    EXPECT_EQ(st["ociVersion"], "1.2.0");
    EXPECT_EQ(st["id"], "c1");
    // Before start, the user's process has not run: the init is still strata.
    EXPECT_EQ(read_text("/proc/" + std::to_string(pid) + "/comm"), "strata:init\n");

    auto s = strata({"start", "c1"});
    ASSERT_EQ(s.status, 0) << s.err;
    EXPECT_EQ(status_of("c1"), "running");
    EXPECT_TRUE(eventually([&] { return read_text("/proc/" + std::to_string(pid) + "/comm") == "sleep\n"; }));
    auto again = strata({"start", "c1"});
    EXPECT_EQ(again.status, 1);
    EXPECT_NE(again.err.find("it is running, not created"), std::string::npos) << again.err;

    ASSERT_EQ(strata({"kill", "c1", "KILL"}).status, 0);
    EXPECT_TRUE(eventually([&] { return status_of("c1") == "stopped"; }));
    auto st2 = nlohmann::json::parse(strata({"state", "c1"}).out);
    EXPECT_EQ(st2["pid"], 0);
    ASSERT_EQ(strata({"delete", "c1"}).status, 0);
    auto gone = strata({"state", "c1"});
    EXPECT_EQ(gone.status, 1);
    EXPECT_NE(gone.err.find("container \"c1\" does not exist"), std::string::npos) << gone.err;
}

TEST_F(Lifecycle, RunPropagatesExitCodes) {
    bundle->set_args({"sh", "-c", "exit 3"});
    EXPECT_EQ(strata({"run", "-b", bundle->path(), "e3"}).status, 3);
    bundle->set_args({"true"});
    EXPECT_EQ(strata({"run", "-b", bundle->path(), "e0"}).status, 0);
    // A child killed by a signal inside does not change pid 1's own exit status.
    bundle->set_args({"sh", "-c", "sh -c 'kill -9 $$'; exit 7"});
    EXPECT_EQ(strata({"run", "-b", bundle->path(), "e7"}).status, 7);
    // The run removes the container when it exits.
    EXPECT_EQ(strata({"list", "-q"}).out, "");
}

TEST_F(Lifecycle, SignalDeathIs128PlusSignal) {
    bundle->set_args({"sleep", "1000"});
    std::thread killer([&] {
        eventually([&] { return status_of("sig") == "running"; });
        strata({"kill", "sig", "9"});
    });
    auto r = strata({"run", "-b", bundle->path(), "sig"});
    killer.join();
    EXPECT_EQ(r.status, 128 + SIGKILL);
}

TEST_F(Lifecycle, ForegroundRunForwardsSignals) {
    bundle->set_args({"sh", "-c", "trap 'echo got-term; exit 42' TERM; while :; do sleep 0.05; done"});
    std::vector<std::string> argv = {strata_bin(), "--root", root.path(), "run", "-b", bundle->path(), "fwd"};
    std::thread sender([&] {
        eventually([&] { return status_of("fwd") == "running"; });
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        for (int pid : processes_matching("run -b " + bundle->path())) kill(pid, SIGTERM);
    });
    auto r = run_cmd(argv);
    sender.join();
    EXPECT_EQ(r.status, 42) << r.err;
    EXPECT_EQ(r.out, "got-term\n");
}

TEST_F(Lifecycle, KillDefaultIsTermAndNamesAndNumbersWork) {
    bundle->set_args({"sh", "-c", "trap 'exit 0' TERM; trap 'exit 0' USR1; while :; do sleep 0.05; done"});
    for (std::string sig : {"", "SIGUSR1", "USR1", "10", "TERM", "15"}) {
        ASSERT_EQ(strata.detached({"run", "-d", "-b", bundle->path(), "k"}, log_path()).status, 0);
        ASSERT_TRUE(eventually([&] { return status_of("k") == "running"; }));
        std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let the trap be set
        std::vector<std::string> args = {"kill", "k"};
        if (!sig.empty()) args.push_back(sig);
        ASSERT_EQ(strata(args).status, 0) << sig;
        EXPECT_TRUE(eventually([&] { return status_of("k") == "stopped"; })) << sig;
        ASSERT_EQ(strata({"delete", "k"}).status, 0);
    }
}

TEST_F(Lifecycle, DeleteRunningNeedsForce) {
    bundle->set_args({"sleep", "1000"});
    ASSERT_EQ(strata.detached({"run", "-d", "-b", bundle->path(), "d"}, log_path()).status, 0);
    auto plain = strata({"delete", "d"});
    EXPECT_EQ(plain.status, 1);
    EXPECT_NE(plain.err.find("is running"), std::string::npos) << plain.err;
    int pid = nlohmann::json::parse(strata({"state", "d"}).out)["pid"];
    ASSERT_EQ(strata({"delete", "--force", "d"}).status, 0);
    EXPECT_TRUE(gone_or_zombie(pid));
    EXPECT_TRUE(mounts_containing(bundle->path()).empty());
}

TEST_F(Lifecycle, DeleteOfCreatedContainerNeedsNoForce) {
    bundle->set_args({"true"});
    ASSERT_EQ(strata.detached({"create", "-b", bundle->path(), "cr"}, log_path()).status, 0);
    int pid = nlohmann::json::parse(strata({"state", "cr"}).out)["pid"];
    ASSERT_EQ(strata({"delete", "cr"}).status, 0);
    EXPECT_TRUE(gone_or_zombie(pid));
}

TEST_F(Lifecycle, ListShowsContainersInTableAndJson) {
    bundle->set_args({"sleep", "1000"});
    ASSERT_EQ(strata.detached({"create", "-b", bundle->path(), "l1"}, log_path()).status, 0);
    ASSERT_EQ(strata.detached({"run", "-d", "-b", bundle->path(), "l2"}, log_path()).status, 0);
    auto table = strata({"list"});
    EXPECT_NE(table.out.find("l1"), std::string::npos);
    EXPECT_NE(table.out.find("created"), std::string::npos);
    EXPECT_NE(table.out.find("running"), std::string::npos);
    auto j = nlohmann::json::parse(strata({"list", "--format", "json"}).out);
    ASSERT_EQ(j.size(), 2u);
    EXPECT_EQ(j[0]["id"], "l1");
    EXPECT_EQ(j[1]["status"], "running");
    EXPECT_EQ(strata({"list", "-q"}).out, "l1\nl2\n");
}

TEST_F(Lifecycle, FiftyContainersLeaveNothingBehind) {
    bundle->set_args({"true"});

    for (int i = 0; i < 50; ++i) {
        std::string id = "loop" + std::to_string(i);
        ASSERT_EQ(strata.detached({"create", "-b", bundle->path(), id}, log_path()).status, 0) << i;
        ASSERT_EQ(strata({"start", id}).status, 0) << i;
        ASSERT_TRUE(eventually([&] { return status_of(id) == "stopped"; })) << i;
        ASSERT_EQ(strata({"delete", id}).status, 0) << i;
    }
    EXPECT_EQ(strata({"list", "-q"}).out, "");
    EXPECT_TRUE(mounts_containing(bundle->path()).empty());
    EXPECT_EQ(our_inits(), std::vector<int>{});
    // The compiled seccomp filters are kept for the next create (security/seccomp/cache.h).
    auto left = run_cmd({"ls", "-A", "-I", ".cache:seccomp", root.path()});
    EXPECT_EQ(left.out, "container.log\n");
}

TEST_F(Lifecycle, VersionAndFeatures) {
    auto v = strata({"--version"});
    EXPECT_EQ(v.status, 0);
    EXPECT_EQ(v.out.rfind("strata version ", 0), 0u) << v.out;
    EXPECT_NE(v.out.find("\nspec: 1.3.0"), std::string::npos);
    auto f = strata({"features"});
    ASSERT_EQ(f.status, 0);
    auto j = nlohmann::json::parse(f.out);
    EXPECT_EQ(j["ociVersionMax"], "1.3.0");
    EXPECT_NE(j["linux"]["namespaces"].dump().find("time"), std::string::npos);
}

TEST_F(Lifecycle, JsonLogFormatForEngines) {
    std::string log = root.path() + "/log.json";
    auto r = run_cmd({strata_bin(), "--root", root.path(), "--log", log, "--log-format", "json", "state", "nope"});
    EXPECT_EQ(r.status, 1);
    auto j = nlohmann::json::parse(read_text(log));  // exactly one object, as Podman parses it
    EXPECT_EQ(j["level"], "error");
    EXPECT_EQ(j["msg"], "container \"nope\" does not exist");
    std::string t = j["time"];
    EXPECT_EQ(t.size(), 30u) << t;  // 2026-11-23T20:52:01.123456789Z
    EXPECT_EQ(t.back(), 'Z');
}

}  // namespace
}  // namespace strata::test
