// Crash safety: `strata` killed with SIGKILL at each named stage of create, start, run and delete
// (STRATA_FAULT_AT, through the test build `strata-faults`), for the container and the bare
// substrate. After each kill `delete --force` (the shipped binary) must leave no process, no
// cgroup directory, no mount and no state, and the same id must run again at once.

#include "tests/faults/faults_fixture.h"

namespace strata::test {
namespace {

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

// With hooks the init stops after its mounts and waits while the creator runs prestart and
// createRuntime: a creator killed there must take the waiting init with it.
TEST_F(Faults, CreateKilledBeforeItsHooks) {
    bundle->config["hooks"]["createRuntime"] = {{{"path", "/bin/true"}}};
    bundle->save();
    kill_create_at("create.hooks", "container");
    std::cout << "create.hooks: " << trials << " trials\n";
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

TEST_P(FaultsBySubstrate, PauseKilledAfterFreezing) {
    const std::string substrate = GetParam();
    for (int t = 0; t < kTrials; ++t) {
        std::string id = next_id(), what = "pause killed at pause.frozen (" + substrate + ")";
        long_running();
        auto c = strata.detached({"run", "-d", "-b", bundle->path(), "--substrate", substrate, id}, log_path());
        ASSERT_EQ(c.status, 0) << c.out;
        auto p = faulty("pause.frozen", {"pause", id});
        ASSERT_EQ(p.status, 128 + SIGKILL) << what << ": " << p.out;
        recover(id, what, substrate);  // frozen, recorded as running: delete thaws and kills
        ++trials;
    }
    std::cout << "pause: 1 stage, " << trials << " trials (" << substrate << ")\n";
}

INSTANTIATE_TEST_SUITE_P(, FaultsBySubstrate, ::testing::Values("container", "bare"));

// exec exists for the container substrate only.
TEST_F(Faults, ExecKilledAtEachStage) {
    for (const std::string stage : {"exec.cloned", "exec.continued", "exec.exec"})
        for (int t = 0; t < kTrials; ++t) {
            std::string id = next_id(), what = "exec killed at " + stage;
            long_running();
            auto c = strata.detached({"run", "-d", "-b", bundle->path(), id}, log_path());
            ASSERT_EQ(c.status, 0) << c.out;
            auto e = faulty(stage, {"exec", id, "sh", "-c", "sleep 1000; : " + marker});
            ASSERT_EQ(e.status, 128 + SIGKILL) << what << ": " << e.out;
            recover(id, what, "container");
            ++trials;
        }
    std::cout << "exec: 3 stages, " << trials << " trials\n";
}

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

// A cgroup of the same name still there (a crash before this fix, or another runtime's): empty,
// with an unfilled cpuset, or holding only a zombie, it is reused; with a live process, refused.
TEST_F(Faults, SameNameCgroupLeftBehind) {
    std::string id = next_id();
    std::vector<std::string> dirs;
    for (const auto& d : container_cgroup_dirs(id)) {
        if (d.find("/systemd/") != std::string::npos) continue;
        ASSERT_EQ(run_cmd({"mkdir", "-p", d}).status, 0);
        dirs.push_back(d);
    }
    // A zombie in every hierarchy but cpuset (whose empty cpuset.cpus admits nobody).
    int zombie = fork();
    if (zombie == 0) {
        for (const auto& d : dirs)
            if (d.find("/cpuset/") == std::string::npos) write_text(d + "/cgroup.procs", std::to_string(getpid()));
        _exit(0);
    }
    ASSERT_TRUE(eventually([&] { return !alive_not_zombie(zombie); }));
    bundle->set_args({"true"});
    auto r = strata({"run", "-b", bundle->path(), id});
    EXPECT_EQ(r.status, 0) << r.err;
    waitpid(zombie, nullptr, 0);
    expect_nothing_left(id, "a same-name cgroup left behind");

    std::string busy = next_id();
    std::string pids_dir;
    for (const auto& d : container_cgroup_dirs(busy))
        if (d.starts_with("/sys/fs/cgroup/pids/")) pids_dir = d;
    ASSERT_FALSE(pids_dir.empty());
    ASSERT_EQ(run_cmd({"mkdir", "-p", pids_dir}).status, 0);
    int live = fork();
    if (live == 0) {
        write_text(pids_dir + "/cgroup.procs", std::to_string(getpid()));
        pause();
        _exit(0);
    }
    ASSERT_TRUE(eventually([&] { return read_text(pids_dir + "/cgroup.procs") == std::to_string(live) + "\n"; }));
    auto refused = strata({"run", "-b", bundle->path(), busy});
    EXPECT_EQ(refused.status, 1);
    EXPECT_NE(refused.err.find("already holds processes (" + std::to_string(live) + ")"), std::string::npos) << refused.err;
    kill(live, SIGKILL);
    waitpid(live, nullptr, 0);
    rmdir(pids_dir.c_str());
    EXPECT_EQ(strata({"run", "-b", bundle->path(), busy}).status, 0);
    expect_nothing_left(busy, "a same-name cgroup that was busy");
}

// A container that made a sub-cgroup and moved into it (a nested runtime, systemd): delete
// --force finds the process there and removes the sub-cgroup before its own.
TEST_F(Faults, DeleteRemovesSubCgroupsTheContainerMade) {
    std::string id = next_id(), pids_dir;
    for (const auto& d : container_cgroup_dirs(id))
        if (d.starts_with("/sys/fs/cgroup/pids/")) pids_dir = d;
    ASSERT_FALSE(pids_dir.empty());
    bundle->set_args({"sh", "-c", "mkdir " + pids_dir + "/sub && echo $$ > " + pids_dir + "/sub/cgroup.procs && sleep 1000; : " + marker});
    auto c = strata.detached({"run", "-d", "-b", bundle->path(), "--substrate", "bare", id}, log_path());
    ASSERT_EQ(c.status, 0) << c.out;
    ASSERT_TRUE(eventually([&] { return !read_text(pids_dir + "/sub/cgroup.procs").empty(); }));
    auto d = strata({"delete", "--force", id});
    EXPECT_EQ(d.status, 0) << d.err;
    expect_nothing_left(id, "a container with a sub-cgroup");
}

// Parallel runs create and remove the shared strata/ level of every hierarchy under one another:
// a create must neither lose it between its mkdirs (ENOENT) nor join an unfilled cpuset (ENOSPC).
TEST_F(Faults, ParallelRunsShareTheStrataParent) {
    bundle->set_args({"true"});
    constexpr int kThreads = 8, kRuns = 8;
    std::vector<std::string> errors(kThreads);
    std::vector<std::thread> ts;
    for (int i = 0; i < kThreads; ++i)
        ts.emplace_back([&, i] {
            for (int n = 0; n < kRuns; ++n) {
                std::string id = prefix + "p" + std::to_string(i) + "-" + std::to_string(n);
                auto r = strata({"run", "-b", bundle->path(), id});
                if (r.status != 0) errors[i] += id + ": " + r.err;
            }
        });
    for (auto& t : ts) t.join();
    for (const auto& e : errors) EXPECT_EQ(e, "");
    for (int i = 0; i < kThreads; ++i)
        for (int n = 0; n < kRuns; ++n) expect_nothing_left(prefix + "p" + std::to_string(i) + "-" + std::to_string(n), "parallel runs");
    std::cout << kThreads * kRuns << " runs, " << kThreads << " in parallel\n";
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
