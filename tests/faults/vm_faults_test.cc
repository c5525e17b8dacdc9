// Crash safety on the vm substrate: strata killed at each stage of create (the VM booting,
// restoring from its template, prepared), start, run, exec (the request sent, the process
// running) and delete; and `kill KILL` or `delete --force` at each moment of a VM's life. Each
// time `delete --force` (or `delete` of the stopped container) leaves no monitor, no QEMU, no
// cgroup, no state and no tap or tc redirect, and the same id runs again at once.

#include "tests/faults/faults_fixture.h"
#include "tests/vm/test_netns.h"

namespace strata::test {
namespace {

const std::vector<std::string> kVmCreateStages = {
    "create.dir", "create.recorded", "create.cloned", "create.cgroup", "create.continued", "init.joined",
    "init.vm_restoring",  // (in the monitor) QEMU started at -incoming, the template not loaded yet
    "init.vm_prepared",   // (in the monitor) the workload prepared in the guest, `ready` not sent
    "create.ready", "create.saved",
};

class VmFaults : public Faults {
protected:
    void SetUp() override {
        Faults::SetUp();
        if (HasFatalFailure() || IsSkipped()) return;
        auto info = nlohmann::json::parse(strata({"info", "--json"}).out)["vm"];
        STRATA_REQUIRE(!info["backend"].is_null() && info["kernel"].contains("path"), "no VM backend or guest kernel: " + info.dump());
        // A booted template for this shape exists before the first kill, so that every create
        // below restores (a kill while a template is being built is its own case).
        bundle->set_args({"true"});
        auto warm = strata({"run", "-b", bundle->path(), "--substrate", "vm", next_id()}, "", std::chrono::seconds(180));
        ASSERT_EQ(warm.status, 0) << warm.err;
    }
    // The template cache holds finished entries only.
    void expect_no_half_built_assets(const std::string& what) {
        auto tmp = run_cmd({"sh", "-c", "ls -A /var/cache/strata/erofs /var/cache/strata/initramfs /var/cache/strata/vm-template 2>/dev/null | grep '^.tmp-' || true"});
        EXPECT_EQ(tmp.out, "") << what;
    }
};

TEST_F(VmFaults, CreateKilledAtEachStage) {
    for (const auto& stage : kVmCreateStages) kill_create_at(stage, "vm");
    expect_no_half_built_assets("create");
    std::cout << "create: " << kVmCreateStages.size() << " stages, " << trials << " trials (vm)\n";
}

// With the template off the VM boots: a create killed while the guest's kernel boots.
TEST_F(VmFaults, CreateKilledWhileTheGuestBoots) {
    bundle->config["annotations"]["org.strata.vm.template"] = "off";
    bundle->save();
    kill_create_at("init.vm_booting", "vm");
    std::cout << "create: init.vm_booting, " << trials << " trials (vm)\n";
}

// prestart/createRuntime run by create while the monitor waits with a prepared VM.
TEST_F(VmFaults, CreateKilledBeforeItsHooks) {
    bundle->config["hooks"]["createRuntime"] = {{{"path", "/bin/true"}}};
    bundle->save();
    kill_create_at("create.hooks", "vm");
    std::cout << "create.hooks: " << trials << " trials (vm)\n";
}

TEST_F(VmFaults, StartRunAndDeleteKilledAtEachStage) {
    for (const std::string stage : {"start.connected", "start.exec"})
        for (int t = 0; t < kTrials; ++t) {
            std::string id = next_id(), what = "start killed at " + stage + " (vm)";
            long_running();
            ASSERT_EQ(strata.detached({"create", "-b", bundle->path(), "--substrate", "vm", id}, log_path()).status, 0);
            ASSERT_EQ(faulty(stage, {"start", id}).status, 128 + SIGKILL) << what;
            recover(id, what, "vm");
            ++trials;
        }
    for (const std::string stage : {"init.vm_prepared", "run.created", "run.running", "delete.killed", "delete.cgroup"})
        for (int t = 0; t < kTrials; ++t) {
            std::string id = next_id(), what = "run killed at " + stage + " (vm)";
            bundle->set_args({"sh", "-c", "sleep 0.2"});
            ASSERT_EQ(faulty(stage, {"run", "-b", bundle->path(), "--substrate", "vm", id}).status, 128 + SIGKILL) << what;
            recover(id, what, "vm");
            ++trials;
        }
    for (const std::string stage : {"delete.killed", "delete.cgroup"})
        for (int t = 0; t < kTrials; ++t) {
            std::string id = next_id(), what = "delete killed at " + stage + " (vm)";
            long_running();
            ASSERT_EQ(strata.detached({"run", "-d", "-b", bundle->path(), "--substrate", "vm", id}, log_path()).status, 0);
            ASSERT_EQ(faulty(stage, {"delete", "--force", id}).status, 128 + SIGKILL) << what;
            recover(id, what, "vm");
            ++trials;
        }
    std::cout << "start, run, delete: 9 stages, " << trials << " trials (vm)\n";
}

// The exec's caller (its host-side proxy) killed: the monitor sees the hang-up and kills the
// guest process; the VM keeps running; delete --force then leaves nothing.
TEST_F(VmFaults, ExecKilledAtEachStage) {
    for (const std::string stage : {"exec.vm_requested", "exec.vm_started"})
        for (int t = 0; t < kTrials; ++t) {
            std::string id = next_id(), what = "exec killed at " + stage + " (vm)";
            long_running();
            ASSERT_EQ(strata.detached({"run", "-d", "-b", bundle->path(), "--substrate", "vm", id}, log_path()).status, 0);
            ASSERT_EQ(faulty(stage, {"exec", id, "sleep", "1001"}).status, 128 + SIGKILL) << what;
            std::string table;
            EXPECT_TRUE(eventually([&] {
                auto ps = strata({"ps", id});
                table = ps.out;
                return ps.status == 0 && table.find("sleep 1001") == std::string::npos;  // the exec'd process was killed
            }, 10000)) << what << ": " << table;
            EXPECT_EQ(status_of(id), "running") << what;
            recover(id, what, "vm");
            ++trials;
        }
    std::cout << "exec: 2 stages, " << trials << " trials (vm)\n";
}

// `kill KILL` and `delete --force` at each moment of a VM container's life: created (the VM
// prepared, its monitor waiting for start), running, and with an exec in flight.
TEST_F(VmFaults, KillAndForceDeleteAtEveryMoment) {
    for (const std::string how : {"kill", "delete"})
        for (const std::string moment : {"created", "running", "exec"}) {
            std::string id = next_id(), what = how + " at " + moment + " (vm)";
            long_running();
            if (moment == "created") {
                ASSERT_EQ(strata.detached({"create", "-b", bundle->path(), "--substrate", "vm", id}, log_path()).status, 0) << what;
            } else {
                ASSERT_EQ(strata.detached({"run", "-d", "-b", bundle->path(), "--substrate", "vm", id}, log_path()).status, 0) << what;
            }
            pid_t exec_proxy = 0;
            if (moment == "exec") {
                exec_proxy = ::fork();
                if (exec_proxy == 0) {
                    ::execl(strata_bin().c_str(), "strata", "--root", root.path().c_str(), "exec", id.c_str(), "sleep", "1001", nullptr);
                    ::_exit(127);
                }
                ASSERT_TRUE(eventually([&] {
                    auto ps = strata({"ps", id});
                    return ps.status == 0 && ps.out.find("sleep 1001") != std::string::npos;
                }, 20000)) << what << ": the exec never ran";
            }
            if (how == "kill") {
                ASSERT_EQ(strata({"kill", id, "KILL"}).status, 0) << what;
                EXPECT_TRUE(eventually([&] { return status_of(id) == "stopped"; }, 10000)) << what;
                EXPECT_TRUE(eventually([&] { return vmms_holding(root.path()).empty(); }, 5000)) << what << ": QEMU outlived its monitor";
                auto d = strata({"delete", id});
                EXPECT_EQ(d.status, 0) << what << ": " << d.err;
                expect_nothing_left(id, what);
            } else {
                recover(id, what, "vm");
            }
            if (exec_proxy > 0) {
                int st = 0;
                ASSERT_EQ(::waitpid(exec_proxy, &st, 0), exec_proxy);
                EXPECT_FALSE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << what << ": the exec reported success";
            }
            ++trials;
        }
    std::cout << "kill/delete --force at 3 moments: " << trials << " trials (vm)\n";
}

// pause freezes the host cgroup, which holds the monitor and QEMU: the whole VM stops. A pause
// killed once the freeze is in, with the state still "running": delete --force thaws and kills.
TEST_F(VmFaults, PauseKilledAfterFreezing) {
    for (int t = 0; t < kTrials; ++t) {
        std::string id = next_id(), what = "pause killed at pause.frozen (vm)";
        long_running();
        ASSERT_EQ(strata.detached({"run", "-d", "-b", bundle->path(), "--substrate", "vm", id}, log_path()).status, 0) << what;
        ASSERT_EQ(faulty("pause.frozen", {"pause", id}).status, 128 + SIGKILL) << what;
        recover(id, what, "vm");
        ++trials;
    }
    std::cout << "pause: 1 stage, " << trials << " trials (vm)\n";
}

// With a network namespace the monitor puts a tap and two tc redirects in it: a create killed
// once they exist, and a running VM killed with KILL, leave neither after delete.
TEST_F(VmFaults, NoTapOrRedirectIsLeftInTheNetworkNamespace) {
    TestNetns net;
    join_netns(bundle->config, net.path());
    bundle->save();
    for (const std::string stage : {"init.vm_restoring", "init.vm_prepared", "create.saved"}) {
        std::string id = next_id(), what = "create killed at " + stage + " with a network namespace";
        long_running();
        ASSERT_EQ(faulty(stage, {"create", "-b", bundle->path(), "--substrate", "vm", id}).status, 128 + SIGKILL) << what;
        EXPECT_EQ(strata({"delete", "--force", id}).status, 0) << what;
        expect_nothing_left(id, what);
        EXPECT_EQ(net.leftovers(), "") << what;
        ++trials;
    }
    std::string id = next_id();
    long_running();
    ASSERT_EQ(strata.detached({"run", "-d", "-b", bundle->path(), "--substrate", "vm", id}, log_path()).status, 0) << read_text(log_path());
    EXPECT_NE(net.leftovers(), "") << "no tap or redirect while the VM runs: the checks above prove nothing";
    ASSERT_EQ(strata({"kill", id, "KILL"}).status, 0);
    EXPECT_TRUE(eventually([&] { return status_of(id) == "stopped"; }, 10000));
    EXPECT_EQ(strata({"delete", id}).status, 0);
    expect_nothing_left(id, "kill KILL with a network namespace");
    EXPECT_EQ(net.leftovers(), "");
}

// A pod's further container in the pod's VM (runtime/vm_pod_member.h): its create, start and
// host process killed at each stage. Each time `delete --force` leaves no process on the host or
// in the guest, no entry in the pod VM's share and no state, the pod's VM runs on, and the same
// id runs in it again at once.
TEST_F(VmFaults, PodContainerKilledAtEachStage) {
    std::string pod = next_id();
    bundle->set_args({"sleep", "100000"});
    bundle->config["annotations"]["org.strata.substrate"] = "vm";
    bundle->config["annotations"]["io.kubernetes.cri.container-type"] = "sandbox";
    bundle->save();
    ASSERT_EQ(strata.detached({"run", "-d", "-b", bundle->path(), pod}, log_path()).status, 0) << read_text(log_path());
    int monitor = nlohmann::json::parse(strata({"state", pod}).out)["pid"];
    Bundle member = Bundle::busybox();
    auto& a = member.config["annotations"];
    a["org.strata.substrate"] = "vm";
    a["io.kubernetes.cri.sandbox-id"] = pod;
    std::string ns = "/proc/" + std::to_string(monitor) + "/ns/";
    member.config["linux"]["namespaces"] = nlohmann::json::array(
        {{{"type", "mount"}}, {{"type", "pid"}, {"path", ns + "pid"}}, {{"type", "ipc"}, {"path", ns + "ipc"}}, {{"type", "uts"}, {"path", ns + "uts"}}});
    member.set_args({"sh", "-c", "sleep 1000; : " + marker});
    member.save();
    auto in_guest = [&] { return strata({"ps", pod}, "", std::chrono::seconds(60)).out; };
    auto share_entries = [&](const std::string& id) {
        return read_text("/proc/" + std::to_string(monitor) + "/mountinfo").find("/vm/share/c/" + id + "/") != std::string::npos;
    };
    auto check = [&](const std::string& id, const std::string& what) {
        auto d = strata({"delete", "--force", id});
        EXPECT_EQ(d.status, 0) << what << ": " << d.err;
        EXPECT_NE(access((root.path() + "/" + id).c_str(), F_OK), 0) << what << ": state directory left";
        for (const auto& dir : container_cgroup_dirs(id)) EXPECT_NE(access(dir.c_str(), F_OK), 0) << what << ": cgroup left: " << dir;
        std::string ps;
        EXPECT_TRUE(eventually([&] { return (ps = in_guest()).find(marker) == std::string::npos; }, 20000)) << what << ": in the guest: " << ps;
        EXPECT_TRUE(eventually([&] { return !share_entries(id); }, 5000)) << what << ": share entries left";
        for (int pid : processes_matching(marker)) EXPECT_FALSE(alive_not_zombie(pid)) << what << ": host process left";
        EXPECT_EQ(status_of(pod), "running") << what << ": the pod's VM";
        auto again = strata.detached({"run", "-d", "-b", member.path(), id}, log_path());
        EXPECT_EQ(again.status, 0) << what << ": the same id again: " << read_text(log_path());
        EXPECT_EQ(strata({"delete", "--force", id}).status, 0) << what;
        EXPECT_TRUE(eventually([&] { return !share_entries(id); }, 5000)) << what << ": share entries left after the rerun";
    };
    for (const std::string stage : {"create.dir", "create.recorded", "create.cloned", "create.cgroup", "create.continued", "init.joined",
                                    "create.ready", "create.saved"})
        for (int t = 0; t < kTrials; ++t) {
            std::string id = next_id(), what = "pod container's create killed at " + stage;
            ASSERT_EQ(faulty(stage, {"create", "-b", member.path(), id}).status, 128 + SIGKILL) << what << ": " << read_text(log_path());
            check(id, what);
            ++trials;
        }
    for (const std::string stage : {"start.connected", "start.exec"})
        for (int t = 0; t < kTrials; ++t) {
            std::string id = next_id(), what = "pod container's start killed at " + stage;
            ASSERT_EQ(strata.detached({"create", "-b", member.path(), id}, log_path()).status, 0) << what << read_text(log_path());
            ASSERT_EQ(faulty(stage, {"start", id}).status, 128 + SIGKILL) << what;
            check(id, what);
            ++trials;
        }
    // The container's host process (its init, forked by create) killed once the guest runs it.
    for (int t = 0; t < kTrials; ++t) {
        std::string id = next_id(), what = "pod container's host process killed at pod_member.started";
        ASSERT_EQ(faulty("pod_member.started", {"create", "-b", member.path(), id}).status, 0) << what << read_text(log_path());
        (void)strata({"start", id});
        EXPECT_TRUE(eventually([&] { return status_of(id) == "stopped"; }, 20000)) << what << ": " << status_of(id);
        check(id, what);
        ++trials;
    }
    std::cout << "pod container: 11 stages, " << trials << " trials (vm)\n";
}

// Every stage a vm create, start, delete and run pass is in the lists above.
TEST_F(VmFaults, StageListIsComplete) {
    long_running();
    std::string id = next_id();
    ASSERT_EQ(faulty("none", {"create", "-b", bundle->path(), "--substrate", "vm", id}).status, 0);
    ASSERT_EQ(faulty("none", {"start", id}).status, 0);
    ASSERT_EQ(faulty("none", {"exec", id, "true"}).status, 0);
    ASSERT_EQ(faulty("none", {"delete", "--force", id}).status, 0);
    bundle->set_args({"true"});
    ASSERT_EQ(faulty("none", {"run", "-b", bundle->path(), "--substrate", "vm", id}).status, 0);
    std::set<std::string> expected(kVmCreateStages.begin(), kVmCreateStages.end());
    for (const char* s : {"start.connected", "start.exec", "exec.vm_requested", "exec.vm_started", "delete.killed", "delete.cgroup",
                          "run.created", "run.running", "run.exited"})
        expected.insert(s);
    EXPECT_EQ(traced(), expected);
}

}  // namespace
}  // namespace strata::test
