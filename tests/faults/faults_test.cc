// Crash safety: `strata` killed with SIGKILL at each named stage of create, start, run and delete
// (STRATA_FAULT_AT, through the test build `strata-faults`), for the container and the bare
// substrate. After each kill `delete --force` (the shipped binary) must leave no process, no
// cgroup directory, no mount and no state, and the same id must run again at once.

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <set>

#include "tests/integration/fixture.h"

namespace strata::test {
namespace {

constexpr int kTrials = 3;  // per stage and substrate: the stages are deterministic, not timed

const std::string& faults_bin() {
    static const std::string bin = STRATA_FAULTS_BIN;
    return bin;
}

// The cgroup hierarchies of this host (v1 controllers, the unified mount).
std::vector<std::string> hierarchies() {
    std::vector<std::string> out;
    DIR* d = opendir("/sys/fs/cgroup");
    if (!d) return out;
    while (dirent* e = readdir(d)) {
        std::string n = e->d_name;
        if (n == "." || n == "..") continue;
        std::string p = "/sys/fs/cgroup/" + n;
        if (access((p + "/cgroup.procs").c_str(), F_OK) == 0) out.push_back(p);
    }
    closedir(d);
    if (access("/sys/fs/cgroup/cgroup.procs", F_OK) == 0) out.push_back("/sys/fs/cgroup");
    return out;
}

bool alive_not_zombie(int pid) {
    std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
    auto close = stat.rfind(')');
    return !stat.empty() && close != std::string::npos && stat.substr(close + 2, 1) != "Z";
}

class Faults : public ContainerTest {
protected:
    void SetUp() override {
        ContainerTest::SetUp();
        if (HasFatalFailure() || IsSkipped()) return;
        prefix = "flt" + std::to_string(getpid()) + "-";
        marker = "fault-marker-" + std::to_string(getpid());
    }

    std::string next_id() { return prefix + std::to_string(++counter); }

    // strata-faults with STRATA_FAULT_AT=stage; output to the log (a created container keeps it).
    CmdResult faulty(const std::string& stage, const std::vector<std::string>& args) {
        std::vector<std::string> argv = {faults_bin(), "--root", root.path()};
        argv.insert(argv.end(), args.begin(), args.end());
        return run_cmd_to_file(argv, log_path(), std::chrono::seconds(30),
                               {"STRATA_FAULT_AT=" + stage, "STRATA_FAULT_TRACE=" + trace_path()});
    }
    std::string trace_path() const { return root.path() + "/trace"; }
    std::set<std::string> traced() const {
        std::set<std::string> out;
        std::ifstream in(trace_path());
        for (std::string l; std::getline(in, l);) out.insert(l);
        return out;
    }

    // The container's process: sh with a marker in its command line, so that a leftover is found
    // even after the exec (the init's own command line is strata's, with our --root).
    void long_running() { bundle->set_args({"sh", "-c", "sleep 1000; : " + marker}); }

    // Everything `delete --force` must have removed.
    void expect_nothing_left(const std::string& id, const std::string& what) {
        for (const auto& h : hierarchies()) {
            std::string dir = h + "/strata/" + id;
            EXPECT_NE(access(dir.c_str(), F_OK), 0) << what << ": cgroup left: " << dir << " procs: "
                                                    << read_text(dir + "/cgroup.procs");
        }
        EXPECT_NE(access((root.path() + "/" + id).c_str(), F_OK), 0) << what << ": state directory left";
        EXPECT_EQ(mounts_containing(bundle->path()), std::vector<std::string>{}) << what;
        EXPECT_EQ(mounts_containing(root.path() + "/" + id), std::vector<std::string>{}) << what;
        std::vector<int> live;
        for (int pid : processes_matching(marker))
            if (alive_not_zombie(pid)) live.push_back(pid);
        for (int pid : our_inits())
            if (alive_not_zombie(pid)) live.push_back(pid);
        EXPECT_EQ(live, std::vector<int>{}) << what << ": processes left";
    }

    // delete --force with the shipped binary, the checks, and the same id run again.
    void recover(const std::string& id, const std::string& what, const std::string& substrate) {
        auto d = strata({"delete", "--force", id});
        EXPECT_EQ(d.status, 0) << what << ": " << d.err;
        expect_nothing_left(id, what);
        bundle->set_args({"true"});
        auto again = strata({"run", "-b", bundle->path(), "--substrate", substrate, id});
        EXPECT_EQ(again.status, 0) << what << ": the same id again: " << again.err;
        expect_nothing_left(id, what + ", after the rerun");
    }

    void kill_create_at(const std::string& stage, const std::string& substrate) {
        for (int t = 0; t < kTrials; ++t) {
            std::string id = next_id(), what = "create killed at " + stage + " (" + substrate + ")";
            long_running();
            auto c = faulty(stage, {"create", "-b", bundle->path(), "--substrate", substrate, id});
            ASSERT_EQ(c.status, 128 + SIGKILL) << what << ": the stage was not reached: " << c.out;
            // The half-created init dies with its creator, before any delete (a zombie until the
            // host's init reaps it is all that may remain).
            EXPECT_TRUE(eventually([&] {
                for (int pid : our_inits())
                    if (alive_not_zombie(pid)) return false;
                return true;
            }, 2000)) << what << ": the init outlived its creator";
            recover(id, what, substrate);
            ++trials;
        }
    }

    std::string prefix, marker;
    int counter = 0;
    int trials = 0;
};

const std::vector<std::string> kCreateStages = {
    "create.dir",       // state directory made, nothing else
    "create.recorded",  // "creating" state written, no cgroup yet
    "create.cloned",    // init cloned into the unified cgroup, v1 cgroups not made
    "create.cgroup",    // cgroups made and limited, init's pid recorded; init waits for 'continue'
    "create.continued", // init joining its v1 cgroups, making namespaces and mounts
    "init.joined",      // (in the init) creator killed after the init joined its cgroups
    "init.prepared",    // (in the init) creator killed after the mounts and pivot, before ready
    "create.ready",     // init ready, state not yet "created"
    "create.saved",     // state "created" saved, 'committed' not yet sent
};

class FaultsBySubstrate : public Faults, public ::testing::WithParamInterface<std::string> {};

TEST_P(FaultsBySubstrate, CreateKilledAtEachStage) {
    for (const auto& stage : kCreateStages) kill_create_at(stage, GetParam());
    std::cout << "create: " << kCreateStages.size() << " stages, " << trials << " trials (" << GetParam() << ")\n";
}

TEST_P(FaultsBySubstrate, StartKilledAtEachStage) {
    const std::string substrate = GetParam();
    for (const std::string stage : {"start.connected", "start.exec"})
        for (int t = 0; t < kTrials; ++t) {
            std::string id = next_id(), what = "start killed at " + stage + " (" + substrate + ")";
            long_running();
            auto c = strata.detached({"create", "-b", bundle->path(), "--substrate", substrate, id}, log_path());
            ASSERT_EQ(c.status, 0) << c.out;
            auto s = faulty(stage, {"start", id});
            ASSERT_EQ(s.status, 128 + SIGKILL) << what << ": " << s.out;
            recover(id, what, substrate);
            ++trials;
        }
    std::cout << "start: 2 stages, " << trials << " trials (" << substrate << ")\n";
}

TEST_P(FaultsBySubstrate, RunKilledAtEachStage) {
    const std::string substrate = GetParam();
    // run.exited needs the process to end; the delete.* stages are reached by run's own delete.
    for (const std::string stage : {"create.cgroup", "init.prepared", "run.created", "run.running", "run.exited",
                                    "delete.killed", "delete.cgroup"})
        for (int t = 0; t < kTrials; ++t) {
            std::string id = next_id(), what = "run killed at " + stage + " (" + substrate + ")";
            bundle->set_args({"sh", "-c", "sleep 0.2; : " + marker});
            auto r = faulty(stage, {"run", "-b", bundle->path(), "--substrate", substrate, id});
            ASSERT_EQ(r.status, 128 + SIGKILL) << what << ": " << r.out;
            recover(id, what, substrate);
            ++trials;
        }
    std::cout << "run: 7 stages, " << trials << " trials (" << substrate << ")\n";
}

TEST_P(FaultsBySubstrate, DeleteKilledAtEachStage) {
    const std::string substrate = GetParam();
    for (const std::string stage : {"delete.killed", "delete.cgroup"})
        for (int t = 0; t < kTrials; ++t) {
            std::string id = next_id(), what = "delete killed at " + stage + " (" + substrate + ")";
            long_running();
            auto c = strata.detached({"run", "-d", "-b", bundle->path(), "--substrate", substrate, id}, log_path());
            ASSERT_EQ(c.status, 0) << c.out;
            auto d = faulty(stage, {"delete", "--force", id});
            ASSERT_EQ(d.status, 128 + SIGKILL) << what << ": " << d.out;
            recover(id, what, substrate);
            ++trials;
        }
    std::cout << "delete: 2 stages, " << trials << " trials (" << substrate << ")\n";
}

INSTANTIATE_TEST_SUITE_P(, FaultsBySubstrate, ::testing::Values("container", "bare"));

// The stage list above is every stage a create, start, run and delete pass: a renamed or new
// stage fails here until the lists are updated.
TEST_F(Faults, StageListIsComplete) {
    long_running();
    std::string id = next_id();
    auto c = faulty("none", {"create", "-b", bundle->path(), id});
    ASSERT_EQ(c.status, 0) << c.out;
    ASSERT_EQ(faulty("none", {"start", id}).status, 0);
    ASSERT_EQ(faulty("none", {"delete", "--force", id}).status, 0);
    bundle->set_args({"true"});
    ASSERT_EQ(faulty("none", {"run", "-b", bundle->path(), id}).status, 0);
    std::set<std::string> expected(kCreateStages.begin(), kCreateStages.end());
    for (const char* s : {"start.connected", "start.exec", "delete.killed", "delete.cgroup", "run.created",
                          "run.running", "run.exited"})
        expected.insert(s);
    EXPECT_EQ(traced(), expected);
}

// The shipped binary has no hook: STRATA_FAULT_AT does nothing to it.
TEST_F(Faults, ShippedBinaryIgnoresTheHook) {
    bundle->set_args({"true"});
    auto r = run_cmd({strata_bin(), "--root", root.path(), "run", "-b", bundle->path(), next_id()}, "",
                     std::chrono::seconds(30), {"STRATA_FAULT_AT=create.dir", "STRATA_FAULT_TRACE=" + trace_path()});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_NE(access(trace_path().c_str(), F_OK), 0);
}

// A `delete --force` of a container that does not exist succeeds (runc); without --force it fails.
TEST_F(Faults, ForceDeleteOfNothingSucceeds) {
    EXPECT_EQ(strata({"delete", "--force", next_id()}).status, 0);
    auto plain = strata({"delete", next_id()});
    EXPECT_EQ(plain.status, 1);
    EXPECT_NE(plain.err.find("does not exist"), std::string::npos) << plain.err;
}

}  // namespace
}  // namespace strata::test
