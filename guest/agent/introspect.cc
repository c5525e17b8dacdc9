#include "agent/introspect.h"

#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <map>

#include "agent/cgroup.h"
#include "base/strings.h"
#include "sys/file.h"

namespace strata::agent {
namespace {

using vm::agent::GuestProcess;

constexpr size_t kMaxCmdline = 1024;
constexpr size_t kMaxProcesses = 512;  // the answer stays below the exec socket's message size

std::string ns_of(pid_t pid) {
    char buf[64];
    ssize_t n = ::readlink(("/proc/" + std::to_string(pid) + "/ns/pid").c_str(), buf, sizeof buf);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

// The numbers after "Key:" in /proc/PID/status.
std::vector<uint64_t> status_numbers(const std::string& status, std::string_view key) {
    std::vector<uint64_t> out;
    for (const auto& line : split_nonempty(status, '\n')) {
        if (!line.starts_with(key) || line.size() <= key.size() || line[key.size()] != ':') continue;
        for (const auto& f : split_nonempty(line.substr(key.size() + 1), '\t'))
            for (const auto& g : split_nonempty(f, ' '))
                if (auto v = parse_uint(g)) out.push_back(*v);
    }
    return out;
}

struct Raw {
    GuestProcess p;
    uint32_t parent = 0;  // in the agent's pid namespace
};

// One process of the workload's pid namespace `ns`, or nothing (another namespace, or gone).
std::optional<Raw> read_process(pid_t pid, const std::string& ns, long ticks) {
    if (ns_of(pid) != ns) return std::nullopt;
    std::string dir = "/proc/" + std::to_string(pid);
    auto status = sys::read_file(dir + "/status");
    auto stat = sys::read_file(dir + "/stat");
    if (!status || !stat) return std::nullopt;
    Raw r;
    auto nspid = status_numbers(*status, "NSpid");
    if (nspid.empty()) return std::nullopt;
    r.p.pid = static_cast<uint32_t>(nspid.back());
    auto ppid = status_numbers(*status, "PPid");
    r.parent = ppid.empty() ? 0 : static_cast<uint32_t>(ppid[0]);
    auto uid = status_numbers(*status, "Uid"), gid = status_numbers(*status, "Gid");
    for (size_t i = 0; i < 4 && i < uid.size(); ++i) r.p.uids[i] = static_cast<uint32_t>(uid[i]);
    for (size_t i = 0; i < 4 && i < gid.size(); ++i) r.p.gids[i] = static_cast<uint32_t>(gid[i]);
    auto rss = status_numbers(*status, "VmRSS"), vsize = status_numbers(*status, "VmSize");
    r.p.rss_kib = rss.empty() ? 0 : rss[0];
    r.p.vsize_kib = vsize.empty() ? 0 : vsize[0];
    auto threads = status_numbers(*status, "Threads");
    r.p.threads = threads.empty() ? 1 : static_cast<uint32_t>(threads[0]);
    // stat: "pid (comm) S ppid ..."; after the last ')' field 3 is the state, 14/15 utime and
    // stime, 22 the start time, in clock ticks.
    auto close = stat->rfind(')');
    if (close == std::string::npos) return std::nullopt;
    auto f = split_nonempty(stat->substr(close + 1), ' ');
    if (f.size() < 20) return std::nullopt;
    r.p.state = f[0].empty() ? '?' : f[0][0];
    uint64_t cpu = parse_uint(f[11]).value_or(0) + parse_uint(f[12]).value_or(0);
    r.p.cpu_ms = cpu * 1000 / static_cast<uint64_t>(ticks);
    r.p.started_ms = parse_uint(f[19]).value_or(0) * 1000 / static_cast<uint64_t>(ticks);
    if (auto comm = sys::read_file(dir + "/comm")) r.p.comm = trim(*comm);
    if (auto cmdline = sys::read_file(dir + "/cmdline"); cmdline && !cmdline->empty()) {
        if (cmdline->back() == '\0') cmdline->pop_back();  // each argument ends with a NUL
        // As ps(1) cuts long command lines: the answer must stay one small message.
        if (cmdline->size() > kMaxCmdline) cmdline->resize(kMaxCmdline);
        r.p.args = split(*cmdline, '\0');
    }
    return r;
}

Result<std::string> processes(const Workload& w) {
    std::string ns = ns_of(w.pid);
    if (ns.empty()) return os_error(ESRCH, "ps: the workload has exited");
    long ticks = ::sysconf(_SC_CLK_TCK);
    if (ticks <= 0) ticks = 100;
    std::vector<Raw> raw;
    std::map<uint32_t, uint32_t> in_ns;  // agent's pid -> the workload's
    DIR* d = ::opendir("/proc");
    if (!d) return os_error(errno, "ps: open /proc");
    while (dirent* e = ::readdir(d)) {
        auto pid = parse_uint(e->d_name);
        if (!pid) continue;
        if (raw.size() == kMaxProcesses) break;
        if (auto r = read_process(static_cast<pid_t>(*pid), ns, ticks)) {
            in_ns[static_cast<uint32_t>(*pid)] = r->p.pid;
            raw.push_back(std::move(*r));
        }
    }
    ::closedir(d);
    vm::agent::GuestProcesses out;
    timespec boot{};
    ::clock_gettime(CLOCK_BOOTTIME, &boot);
    out.uptime_ms = static_cast<uint64_t>(boot.tv_sec) * 1000 + static_cast<uint64_t>(boot.tv_nsec) / 1000000;
    out.pid_ns = ns;
    for (auto& r : raw) {
        auto parent = in_ns.find(r.parent);
        r.p.ppid = parent == in_ns.end() ? 0 : parent->second;
        out.list.push_back(std::move(r.p));
    }
    std::sort(out.list.begin(), out.list.end(), [](const GuestProcess& a, const GuestProcess& b) { return a.pid < b.pid; });
    return vm::agent::encode_processes(out);
}

Result<std::string> stats(const Workload& w) {
    vm::agent::CgroupFiles files;
    bool own = static_cast<bool>(w.cgroup);
    std::string dir = own ? w.cgroup_path : kRootCgroup;
    for (const char* name : vm::agent::kStatsFiles)
        if (auto text = sys::read_file(dir + "/" + name)) files[name] = *text;
    if (!own) {
        // The root cgroup has no memory.current, memory.max or pids.current: the guest's used and
        // total memory and the workload's process count stand in.
        if (auto meminfo = sys::read_file("/proc/meminfo")) {
            auto total = status_numbers(*meminfo, "MemTotal"), avail = status_numbers(*meminfo, "MemAvailable");
            if (!total.empty() && !avail.empty() && total[0] >= avail[0]) {
                files["memory.current"] = std::to_string((total[0] - avail[0]) * 1024) + "\n";
                files["memory.max"] = std::to_string(total[0] * 1024) + "\n";  // the VM's size is the bound
            }
        }
        auto listed = vm::agent::decode_processes(STRATA_TRY(processes(w)));
        if (listed) files["pids.current"] = std::to_string(listed->list.size()) + "\n";
    }
    return vm::agent::encode_files(files);
}

}  // namespace

Result<std::string> answer_query(const Workload& w, vm::agent::Query what) {
    switch (what) {
        case vm::agent::Query::processes: return processes(w);
        case vm::agent::Query::stats: return stats(w);
    }
    return os_error(EINVAL, "query: unknown question " + std::to_string(static_cast<int>(what)));
}

}  // namespace strata::agent
