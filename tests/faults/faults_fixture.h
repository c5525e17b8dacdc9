#pragma once
// The crash-safety fixture: strata-faults (the CLI with a fault hook) killed at a named stage,
// then `delete --force` with the shipped binary, the checks that nothing is left, and the same
// id run again. Shared by the container/bare tests (faults_test.cc) and the micro-VM ones
// (vm_faults_test.cc).

#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <thread>

#include "tests/faults/trials.h"
#include "tests/integration/fixture.h"
#include "tests/vm/vm_fixture.h"

namespace strata::test {

inline const std::string& faults_bin() {
    static const std::string bin = STRATA_FAULTS_BIN;
    return bin;
}

// Where strata puts the cgroup of container `id` in each hierarchy (cgroup/path.cc): below its
// own cgroup in the v1 hierarchies, beside it in the unified one. strata runs in ours.
inline std::vector<std::string> container_cgroup_dirs(const std::string& id) {
    std::vector<std::string> out;
    std::istringstream in(read_text("/proc/self/cgroup"));
    bool pure_v2 = access("/sys/fs/cgroup/cgroup.procs", F_OK) == 0;
    for (std::string line; std::getline(in, line);) {
        auto a = line.find(':'), b = line.find(':', a + 1);
        if (a == std::string::npos || b == std::string::npos) continue;
        std::string ctrls = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
        std::string mount;
        if (ctrls.empty()) {
            mount = pure_v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified";
            path = path.substr(0, path.rfind('/'));
        } else if (ctrls.starts_with("name=")) {
            mount = "/sys/fs/cgroup/" + ctrls.substr(5);
        } else {
            mount = "/sys/fs/cgroup/" + ctrls;
        }
        if (access(mount.c_str(), F_OK) != 0) continue;
        if (!path.empty() && path.back() == '/') path.pop_back();
        out.push_back(mount + path + "/strata/" + id);
    }
    return out;
}

inline bool alive_not_zombie(int pid) {
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
        for (const auto& dir : container_cgroup_dirs(id)) {
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
        // QEMU ends a few ms after its monitor (PR_SET_PDEATHSIG, then its guest RAM unmapped).
        std::vector<int> vmms;
        EXPECT_TRUE(eventually([&] { return (vmms = vmms_holding(root.path())).empty(); }, 2000))
            << what << ": QEMU left: " << ::testing::PrintToString(vmms);
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

}  // namespace strata::test
