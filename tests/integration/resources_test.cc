// Resource limits and accounting on this host's real cgroups (v1 hybrid here; v2 runs in a guest,
// see tests/cgroup_v2/).

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sys/wait.h>

#include <filesystem>
#include <fstream>

#include "cgroup/devices.h"
#include "cgroup/layout.h"
#include "cgroup/v2/common.h"
#include "tests/integration/fixture.h"

namespace strata::test {
namespace {

class Cgroups : public ContainerTest {
protected:
    void start_detached(const std::string& id) {
        auto r = strata.detached({"run", "-d", "-b", bundle->path(), id}, log_path());
        ASSERT_EQ(r.status, 0) << r.out;
        ASSERT_TRUE(eventually([&] { return status_of(id) == "running"; }));
    }
    nlohmann::json stats(const std::string& id) {
        auto r = strata({"events", "--stats", id});
        EXPECT_EQ(r.status, 0) << r.err;
        auto j = nlohmann::json::parse(r.out);
        EXPECT_EQ(j["type"], "stats");
        EXPECT_EQ(j["id"], id);
        return j["data"];
    }
    // The container's cgroup directories, from its state.
    std::map<std::string, std::string> cgroup_dirs(const std::string& id) {
        auto st = nlohmann::json::parse(read_text(root.path() + "/" + id + "/state.json"));
        if (st["cgroup"].contains("dirs")) return st["cgroup"]["dirs"].get<std::map<std::string, std::string>>();
        return {{"unified", st["cgroup"]["dir"].get<std::string>()}};
    }
    static std::vector<std::string> find_cgroups_named(const std::string& name) {
        auto r = run_cmd({"find", "/sys/fs/cgroup", "-type", "d", "-name", name});
        std::vector<std::string> out;
        std::istringstream in(r.out);
        std::string l;
        while (std::getline(in, l))
            if (!l.empty()) out.push_back(l);
        return out;
    }
};

TEST_F(Cgroups, MemoryLimitOomKillsAndEventsReportIt) {
    bundle->config["linux"]["resources"]["memory"] = {{"limit", 32 << 20}, {"swap", 32 << 20}};
    bundle->set_args({"sh", "-c", "sleep 0.5; x=$(head -c 67108864 /dev/zero | tr '\\0' a); echo survived; sleep 100"});
    start_detached("oom");
    std::vector<nlohmann::json> events;
    std::thread watcher([&] {
        auto r = strata({"events", "--interval", "100ms", "oom"}, "", std::chrono::seconds(20));
        std::istringstream in(r.out);
        std::string line;
        while (std::getline(in, line))
            if (!line.empty()) events.push_back(nlohmann::json::parse(line));
    });
    EXPECT_TRUE(eventually([&] { return status_of("oom") == "stopped"; }, 15000));
    watcher.join();
    bool saw_oom = false, saw_stats = false;
    for (const auto& e : events) {
        saw_oom = saw_oom || e["type"] == "oom";
        if (e["type"] == "stats") {
            saw_stats = true;
            EXPECT_EQ(e["data"]["memory"]["usage"]["limit"], 32 << 20);
        }
    }
    EXPECT_TRUE(saw_oom) << "no oom event among " << events.size();
    EXPECT_TRUE(saw_stats);
}

TEST_F(Cgroups, PidsLimitStopsAForkBomb) {
    bundle->config["linux"]["resources"]["pids"] = {{"limit", 10}};
    // The bomb runs in a child shell, which dies when fork fails; the outer shell then counts
    // processes with builtins only (it cannot fork either).
    bundle->set_args({"sh", "-c", "sh -c 'while :; do sleep 10 & done' 2>/dev/null; set -- /proc/[0-9]*; echo $#"});
    auto r = strata({"run", "-b", bundle->path(), "bomb"});
    ASSERT_EQ(r.status, 0) << r.err;
    int procs = std::stoi(r.out);
    // At the limit there were 10: both shells and 8 sleeps. The inner shell then died of its
    // failed fork, leaving 9.
    EXPECT_EQ(procs, 9) << r.out;
}

TEST_F(Cgroups, CpuQuotaHoldsABusyLoopToAFifthOfACpu) {
    bundle->config["linux"]["resources"]["cpu"] = {{"quota", 20000}, {"period", 100000}};
    bundle->set_args({"sh", "-c", "while :; do :; done"});
    start_detached("cpu");
    uint64_t before = stats("cpu")["cpu"]["usage"]["total"];
    auto t0 = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    uint64_t after = stats("cpu")["cpu"]["usage"]["total"];
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    double share = static_cast<double>(after - before) / 1e9 / wall;
    EXPECT_GT(share, 0.10) << share;
    EXPECT_LT(share, 0.30) << share;
    EXPECT_GT(stats("cpu")["cpu"]["throttling"]["throttledPeriods"].get<uint64_t>(), 0u);
}

TEST_F(Cgroups, DeviceOutsideTheAllowListCannotBeOpened) {
    // /dev/kmsg (c 1:11) is created in the container but not allowed by resources.devices.
    bundle->config["linux"]["devices"] = {{{"type", "c"}, {"path", "/dev/kmsg"}, {"major", 1}, {"minor", 11}, {"fileMode", 0644}}};
    // Opened write-only: reading /dev/kmsg would also need CAP_SYSLOG.
    bundle->set_args({"sh", "-c", "(exec 3>/dev/kmsg) 2>/dev/null; echo kmsg=$?; echo x > /dev/null; echo null=$?; "
                                  "head -c 1 /dev/urandom >/dev/null; echo urandom=$?"});
    auto denied = strata({"run", "-b", bundle->path(), "dev1"});
    ASSERT_EQ(denied.status, 0) << denied.err;
    EXPECT_EQ(denied.out, "kmsg=1\nnull=0\nurandom=0\n");
    bundle->config["linux"]["resources"]["devices"].push_back({{"allow", true}, {"type", "c"}, {"major", 1}, {"minor", 11}, {"access", "w"}});
    bundle->save();
    auto allowed = strata({"run", "-b", bundle->path(), "dev2"});
    ASSERT_EQ(allowed.status, 0) << allowed.err;
    EXPECT_EQ(allowed.out, "kmsg=0\nnull=0\nurandom=0\n");
}

TEST_F(Cgroups, PauseFreezesAndResumeThaws) {
    bundle->set_args({"sh", "-c", "i=0; while :; do i=$((i+1)); echo $i > /dev/shm/counter; sleep 0.01; done"});
    start_detached("frz");
    int pid = nlohmann::json::parse(strata({"state", "frz"}).out)["pid"];
    std::string counter = "/proc/" + std::to_string(pid) + "/root/dev/shm/counter";
    ASSERT_TRUE(eventually([&] { return !read_text(counter).empty(); }));
    ASSERT_EQ(strata({"pause", "frz"}).status, 0);
    EXPECT_EQ(status_of("frz"), "paused");
    std::string a = read_text(counter);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_EQ(read_text(counter), a) << "counter advanced while paused";
    auto again = strata({"pause", "frz"});
    EXPECT_EQ(again.status, 1);
    ASSERT_EQ(strata({"resume", "frz"}).status, 0);
    EXPECT_EQ(status_of("frz"), "running");
    EXPECT_TRUE(eventually([&] { return read_text(counter) != a; })) << "counter did not restart";
    auto twice = strata({"resume", "frz"});
    EXPECT_EQ(twice.status, 1);
    EXPECT_NE(twice.err.find("not paused"), std::string::npos) << twice.err;
}

TEST_F(Cgroups, UpdateChangesLiveLimits) {
    bundle->config["linux"]["resources"]["memory"] = {{"limit", 64 << 20}};
    bundle->config["linux"]["resources"]["pids"] = {{"limit", 100}};
    bundle->set_args({"sleep", "100"});
    start_detached("upd");
    EXPECT_EQ(stats("upd")["memory"]["usage"]["limit"], 64 << 20);
    ASSERT_EQ(strata({"update", "--memory", "48M", "--pids-limit", "50", "upd"}).status, 0);
    EXPECT_EQ(stats("upd")["memory"]["usage"]["limit"], 48 << 20);
    EXPECT_EQ(stats("upd")["pids"]["limit"], 50);
    // containerd's form: linux.resources JSON on stdin.
    auto r = strata({"update", "--resources=-", "upd"}, R"({"memory":{"limit":41943040},"cpu":{"shares":512}})");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(stats("upd")["memory"]["usage"]["limit"], 40 << 20);
    auto dirs = cgroup_dirs("upd");
    EXPECT_EQ(read_text(dirs["cpu"] + "/cpu.shares"), "512\n");
}

TEST_F(Cgroups, KillAllAndPsReachEveryProcess) {
    // No pid namespace: killing the init would not take its children along.
    auto& ns = bundle->config["linux"]["namespaces"];
    for (size_t i = 0; i < ns.size(); ++i)
        if (ns[i]["type"] == "pid") ns.erase(i);
    bundle->set_args({"sh", "-c", "sleep 100 & sleep 100 & wait"});
    start_detached("all");
    std::vector<int> pids;
    ASSERT_TRUE(eventually([&] {
        pids = nlohmann::json::parse(strata({"ps", "--format", "json", "all"}).out).get<std::vector<int>>();
        return pids.size() == 3;
    })) << pids.size();
    auto table = strata({"ps", "all"});
    EXPECT_NE(table.out.find("PID"), std::string::npos);
    EXPECT_NE(table.out.find("sleep 100"), std::string::npos) << table.out;
    ASSERT_EQ(strata({"kill", "--all", "all", "KILL"}).status, 0);
    for (int p : pids) EXPECT_TRUE(eventually([&] { return gone_or_zombie(p); })) << p;
}

TEST_F(Cgroups, DeleteLeavesNoCgroupInAnyHierarchy) {
    bundle->set_args({"sleep", "100"});
    start_detached("cgleak");
    auto dirs = cgroup_dirs("cgleak");
    EXPECT_GE(dirs.size(), 5u);
    for (const auto& [k, d] : dirs) EXPECT_TRUE(std::filesystem::exists(d)) << d;
    ASSERT_EQ(strata({"delete", "--force", "cgleak"}).status, 0);
    for (const auto& [k, d] : dirs) EXPECT_FALSE(std::filesystem::exists(d)) << d;
    EXPECT_EQ(find_cgroups_named("cgleak"), std::vector<std::string>{});
}

TEST_F(Cgroups, CgroupsPathAbsoluteAndRelative) {
    bundle->config["linux"]["cgroupsPath"] = "/strata-test-abs/c1";
    bundle->set_args({"cat", "/proc/self/cgroup"});
    auto r = strata({"run", "-b", bundle->path(), "abs"});
    ASSERT_EQ(r.status, 0) << r.err;
    // With a cgroup namespace the container sees itself at its root.
    EXPECT_NE(r.out.find(":memory:/\n"), std::string::npos) << r.out;
    EXPECT_FALSE(std::filesystem::exists("/sys/fs/cgroup/memory/strata-test-abs/c1"));
    EXPECT_FALSE(std::filesystem::exists("/sys/fs/cgroup/memory/strata-test-abs"));
    auto& ns = bundle->config["linux"]["namespaces"];
    for (size_t i = 0; i < ns.size(); ++i)
        if (ns[i]["type"] == "cgroup") ns.erase(i);
    bundle->config["linux"]["cgroupsPath"] = "mine/c2";
    bundle->save();
    auto rel = strata({"run", "-b", bundle->path(), "rel"});
    ASSERT_EQ(rel.status, 0) << rel.err;
    std::string own = read_text("/proc/self/cgroup");
    auto at = own.find(":memory:");
    std::string own_mem = own.substr(at + 8, own.find('\n', at) - at - 8);
    EXPECT_NE(rel.out.find(":memory:" + (own_mem == "/" ? "" : own_mem) + "/mine/c2\n"), std::string::npos) << rel.out;
}

TEST_F(Cgroups, FieldsThisHostCannotExpressAreErrorsNamingTheField) {
    bundle->set_args({"true"});
    bundle->config["linux"]["resources"]["unified"] = {{"memory.high", "1000000"}};
    bundle->save();
    auto r = strata({"run", "-b", bundle->path(), "bad1"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find(".linux.resources.unified[\"memory.high\"]"), std::string::npos) << r.err;
    bundle->config["linux"]["resources"].erase("unified");
    bundle->config["linux"]["resources"]["network"] = {{"classID", 42}};
    bundle->save();
    r = strata({"run", "-b", bundle->path(), "bad2"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find(".linux.resources.network.classID"), std::string::npos) << r.err;
    EXPECT_EQ(find_cgroups_named("bad1"), std::vector<std::string>{});
    EXPECT_EQ(find_cgroups_named("bad2"), std::vector<std::string>{});
}

TEST_F(Cgroups, HugetlbLimitOnTheUnifiedHierarchyOfAHybridHost) {
    auto layout = cgroup::read_layout();
    ASSERT_TRUE(layout);
    STRATA_REQUIRE(std::filesystem::exists("/sys/kernel/mm/hugepages/hugepages-2048kB"), "no 2 MB huge pages");
    bundle->config["linux"]["resources"]["hugepageLimits"] = {{{"pageSize", "2MB"}, {"limit", 4 << 21}}};
    bundle->set_args({"sleep", "100"});
    start_detached("huge");
    auto dirs = cgroup_dirs("huge");
    std::string file = layout->mode == cgroup::Mode::hybrid ? dirs["unified"] + "/hugetlb.2MB.max"
                                                            : dirs["hugetlb"] + "/hugetlb.2MB.limit_in_bytes";
    EXPECT_EQ(read_text(file), std::to_string(4 << 21) + "\n") << file;
}

// The v2 device filter (an eBPF program) enforced by this host's real cgroup2 mount: on a hybrid
// host containers rely on the v1 controller, so the program is exercised here directly.
TEST_F(Cgroups, EbpfDeviceProgramEnforcesThePolicyOnCgroup2) {
    auto layout = cgroup::read_layout();
    ASSERT_TRUE(layout);
    const cgroup::Hierarchy* uni = layout->unified_hierarchy();
    STRATA_REQUIRE(uni != nullptr, "no cgroup2 mount");
    std::string dir = uni->mount_point + "/strata-bpf-test-" + std::to_string(getpid());
    ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
    spec::DeviceRule deny_all;
    deny_all.allow = false;
    deny_all.type = "a";
    deny_all.access = "rwm";
    auto r = cgroup::v2::apply_device_policy(dir, cgroup::reduce(cgroup::container_rules({deny_all})));
    ASSERT_TRUE(r) << r.error().message();
    int pipefd[2];
    ASSERT_EQ(pipe(pipefd), 0);
    pid_t child = fork();
    if (child == 0) {
        std::ofstream(dir + "/cgroup.procs") << getpid();
        int null_fd = open("/dev/null", O_RDWR);
        int kmsg_fd = open("/dev/kmsg", O_RDONLY);
        char res[2] = {null_fd >= 0 ? '1' : '0', kmsg_fd < 0 && errno == EPERM ? '1' : '0'};
        (void)!write(pipefd[1], res, 2);
        _exit(0);
    }
    close(pipefd[1]);
    char res[2] = {};
    ASSERT_EQ(read(pipefd[0], res, 2), 2);
    close(pipefd[0]);
    waitpid(child, nullptr, 0);
    EXPECT_EQ(res[0], '1') << "/dev/null was refused";
    EXPECT_EQ(res[1], '1') << "/dev/kmsg was not refused with EPERM";
    EXPECT_EQ(rmdir(dir.c_str()), 0);
}

}  // namespace
}  // namespace strata::test
