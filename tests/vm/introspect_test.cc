// What `ps` and `events` report for a micro-VM: the guest's processes with the guest's pids
// (never the host's monitor and QEMU), the workload's cgroup usage in the guest, the VM's own
// host cost beside it, and OOM kills inside the guest as `oom` events.

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sched.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>

#include "tests/support/child.h"
#include "tests/vm/vm_fixture.h"

namespace strata::test {
namespace {

class VmIntrospect : public Vm {
protected:
    void start(const std::string& id, const std::string& script, int64_t memory_limit = 0) {
        bundle->set_args({"sh", "-c", script});
        bundle->config["root"]["readonly"] = false;
        bundle->config["linux"]["resources"]["pids"]["limit"] = 100;  // a cgroup of its own in the guest
        if (memory_limit) bundle->config["linux"]["resources"]["memory"]["limit"] = memory_limit;
        bundle->save();
        ASSERT_EQ(strata.detached({"run", "-d", "-b", bundle->path(), id}, log_path()).status, 0) << read_text(log_path());
    }
    nlohmann::json stats(const std::string& id) {
        auto r = strata({"events", "--stats", id}, "", kBoot);
        EXPECT_EQ(r.status, 0) << r.err;
        return r.status == 0 ? nlohmann::json::parse(r.out) : nlohmann::json();
    }
};

TEST_F(VmIntrospect, PsListsTheGuestsProcessesWithTheGuestsPids) {
    start("ps", "sleep 1000 & exec sleep 999");
    int monitor = state_pid("ps");
    int qemu = vmm_of(monitor);
    ASSERT_GT(qemu, 0);
    // An exec'd process is the workload's too (detached: it keeps the caller's stdio).
    ASSERT_EQ(strata.detached({"exec", "-d", "ps", "sleep", "777"}, log_path()).status, 0) << read_text(log_path());
    nlohmann::json pids;
    ASSERT_TRUE(eventually([&] {
        auto r = strata({"ps", "--format", "json", "ps"}, "", kBoot);
        if (r.status != 0) return false;
        pids = nlohmann::json::parse(r.out);
        return pids.size() == 3;
    }, 20000)) << pids.dump();
    EXPECT_EQ(pids[0], 1) << "the workload's main process is pid 1 of its namespace: " << pids.dump();
    for (const auto& p : pids) {
        EXPECT_NE(p.get<int>(), monitor) << "a host pid (the monitor)";
        EXPECT_NE(p.get<int>(), qemu) << "a host pid (QEMU)";
    }
    auto table = strata({"ps", "ps"}, "", kBoot);
    ASSERT_EQ(table.status, 0) << table.err;
    EXPECT_TRUE(table.out.starts_with("UID ")) << table.out;
    EXPECT_NE(table.out.find(" 1      0 S "), std::string::npos) << table.out;
    EXPECT_NE(table.out.find("sleep 999"), std::string::npos) << table.out;
    EXPECT_NE(table.out.find("sleep 1000"), std::string::npos) << table.out;
    EXPECT_NE(table.out.find("sleep 777"), std::string::npos) << table.out;
    EXPECT_EQ(table.out.find("qemu"), std::string::npos) << table.out;
    EXPECT_EQ(table.out.find("strata"), std::string::npos) << table.out;
    ASSERT_EQ(strata({"delete", "--force", "ps"}).status, 0);
    auto gone = strata({"ps", "ps"});
    EXPECT_EQ(gone.status, 1);
    EXPECT_NE(gone.err.find("ps"), std::string::npos) << gone.err;
}

// What an engine that joins the mount namespace of the container's pid reads as /proc there:
// Podman's `top` (psgo) opens /proc/PID/ns/mnt, unshares and setns's one thread, and reads
// /proc, /proc/stat and /etc/passwd at that namespace's root. The monitor is that pid.
std::string joined_view_of(int pid, const std::function<std::string()>& read) {
    return output_of_child([&] {
        int ns = ::open(("/proc/" + std::to_string(pid) + "/ns/mnt").c_str(), O_RDONLY | O_CLOEXEC);
        return ns < 0 || ::unshare(CLONE_NEWNS) < 0 || ::setns(ns, CLONE_NEWNS) < 0 ? std::string("<join failed>") : read();
    });
}

std::vector<std::string> numeric_entries(const std::string& dir) {
    std::vector<std::string> pids;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        std::string name = e.path().filename();
        if (!name.empty() && std::all_of(name.begin(), name.end(), ::isdigit)) pids.push_back(name);
    }
    std::sort(pids.begin(), pids.end(), [](const std::string& a, const std::string& b) { return std::stoi(a) < std::stoi(b); });
    return pids;
}

TEST_F(VmIntrospect, TheMonitorsMountNamespaceShowsTheGuestsProcessesAsProc) {
    start("top", "sleep 1000 & exec sleep 999");
    int monitor = state_pid("top");
    int qemu = vmm_of(monitor);
    ASSERT_GT(qemu, 0);
    std::string listing;
    ASSERT_TRUE(eventually([&] {
        listing = joined_view_of(monitor, [] {
            std::string out;
            for (const auto& pid : numeric_entries("/proc")) out += pid + " ";
            return out;
        });
        return listing == "1 2 ";  // sh exec'd into sleep 999 (1), and sleep 1000
    }, 20000)) << "the pids in the view's /proc: " << listing;

    std::string files = joined_view_of(monitor, [] {
        auto cmdline = read_text("/proc/1/cmdline");
        std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
        return read_text("/proc/1/status") + "|" + cmdline + "|" + read_text("/proc/2/stat") + "|" + read_text("/proc/stat") +
               "|" + read_text("/etc/passwd") + "|" + (std::filesystem::exists("/.host/proc/self") ? "host" : "no host") + "|" +
               (std::filesystem::exists("/dev/pts") ? "pts" : "no pts");
    });
    EXPECT_NE(files.find("Name:\tsleep\n"), std::string::npos) << files;
    EXPECT_NE(files.find("Pid:\t1\n"), std::string::npos) << files;
    EXPECT_NE(files.find("Uid:\t0\t0\t0\t0\n"), std::string::npos) << files;
    EXPECT_NE(files.find("|sleep 999 |"), std::string::npos) << files;
    EXPECT_NE(files.find("|2 (sleep) S 1 "), std::string::npos) << files;
    // btime: the guest's boot on the host's clock, so the workload's age is what it is.
    auto btime_at = files.find("btime ");
    ASSERT_NE(btime_at, std::string::npos) << files;
    long long btime = std::stoll(files.substr(btime_at + 6));
    EXPECT_LE(btime, ::time(nullptr)) << files;
    EXPECT_GT(btime, ::time(nullptr) - 24 * 3600) << files;
    EXPECT_NE(files.find("|" + read_text(bundle->rootfs() + "/etc/passwd") + "|host|pts"), std::string::npos)
        << "the image's /etc/passwd, for user names: " << files;
    for (int host_pid : {monitor, qemu}) EXPECT_EQ(listing.find(std::to_string(host_pid) + " "), std::string::npos) << listing;

    // The monitor and QEMU keep the host's tree: their root is the host's, not the view.
    for (int host_pid : {monitor, qemu})
        EXPECT_TRUE(std::filesystem::exists("/proc/" + std::to_string(host_pid) + "/root" + bundle->path() + "/config.json"))
            << host_pid;
    ASSERT_EQ(strata({"delete", "--force", "top"}).status, 0);
}

TEST_F(VmIntrospect, StatsAreTheGuestCgroupsWithTheVmsHostCostBeside) {
    start("st", "sleep 1000 & exec sleep 999", 100 << 20);
    nlohmann::json s;
    ASSERT_TRUE(eventually([&] {
        s = stats("st");
        return !s.is_null() && s["data"]["pids"]["current"] == 2;
    }, 20000)) << s.dump();
    const auto& d = s["data"];
    EXPECT_EQ(s["type"], "stats");
    EXPECT_EQ(d["memory"]["usage"]["limit"], 100 << 20) << "not the guest cgroup's memory.max";
    EXPECT_GT(d["memory"]["usage"]["usage"].get<uint64_t>(), 0u);
    EXPECT_LT(d["memory"]["usage"]["usage"].get<uint64_t>(), 100u << 20);
    EXPECT_EQ(d["pids"]["limit"], 100) << "not the guest cgroup's pids.max";
    EXPECT_GT(d["cpu"]["usage"]["total"].get<uint64_t>(), 0u);
    // The VM's own cost on the host: the monitor and QEMU, with QEMU's guest RAM resident.
    EXPECT_GE(d["vm"]["hostProcesses"].get<int>(), 2);
    EXPECT_GT(d["vm"]["hostRssBytes"].get<uint64_t>(), 16u << 20) << d["vm"].dump();
    ASSERT_EQ(strata({"delete", "--force", "st"}).status, 0);
}

// A subshell grows past the guest cgroup's 64 MiB and the guest's OOM killer ends it; the
// workload's main process lives on, and `strata events` reports the kill.
TEST_F(VmIntrospect, AnOomKillInTheGuestIsAnOomEvent) {
    // busybox tail buffers a file with no newline whole: /dev/zero reaches the 64 MiB limit in
    // ~1 s under emulation (a shell variable of 100 MB took 26-63 s).
    start("oom", "sleep 3; (tail /dev/zero; echo survived); exec sleep 1000", 64 << 20);
    std::string out = root.path() + "/events.out";
    pid_t events = ::fork();
    if (events == 0) {
        int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        ::dup2(fd, 1);
        ::execl(strata_bin().c_str(), "strata", "--root", root.path().c_str(), "events", "--interval", "1s", "oom", nullptr);
        ::_exit(127);
    }
    bool seen = eventually([&] { return read_text(out).find("\"type\":\"oom\"") != std::string::npos; }, 90000);
    ::kill(events, SIGTERM);
    ::waitpid(events, nullptr, 0);
    EXPECT_TRUE(seen) << read_text(out).substr(0, 2000);
    EXPECT_NE(read_text(out).find("\"type\":\"stats\""), std::string::npos);
    auto s = stats("oom");
    EXPECT_GE(s["data"]["memory"]["oomKills"].get<int>(), 1) << s.dump();
    EXPECT_EQ(status_of("oom"), "running") << "the OOM kill should have ended the subshell only";
    ASSERT_EQ(strata({"delete", "--force", "oom"}).status, 0);
}

}  // namespace
}  // namespace strata::test
