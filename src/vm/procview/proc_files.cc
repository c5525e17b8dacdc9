#include "vm/procview/proc_files.h"

#include <cstdio>

namespace strata::vm::procview {
namespace {

std::string state_name(char s) {
    switch (s) {
        case 'R': return "R (running)";
        case 'S': return "S (sleeping)";
        case 'D': return "D (disk sleep)";
        case 'T': return "T (stopped)";
        case 't': return "t (tracing stop)";
        case 'X': return "X (dead)";
        case 'Z': return "Z (zombie)";
        case 'P': return "P (parked)";
        case 'I': return "I (idle)";
    }
    return std::string(1, s) + " (unknown)";
}

// As the kernel prints a task's name in status: one line, whatever the name holds.
std::string one_line(const std::string& s) {
    std::string out = s;
    for (char& c : out)
        if (c == '\n') c = '?';
    return out;
}

std::string ids_line(const char* key, const std::array<uint32_t, 4>& ids) {
    return std::string(key) + ":\t" + std::to_string(ids[0]) + "\t" + std::to_string(ids[1]) + "\t" +
           std::to_string(ids[2]) + "\t" + std::to_string(ids[3]) + "\n";
}

}  // namespace

std::string stat_file(const agent::GuestProcess& p) {
    const uint64_t ticks = p.cpu_ms * kTicksPerSecond / 1000;
    const uint64_t start = p.started_ms * kTicksPerSecond / 1000;
    const uint64_t rss_pages = p.rss_kib / 4;
    const std::string pid = std::to_string(p.pid);
    // Fields 1-25, then 26-52 (startcode ... exit_code), all 0 but exit_signal (SIGCHLD).
    std::string s = pid + " (" + p.comm + ") " + std::string(1, p.state) + " " + std::to_string(p.ppid) + " " + pid + " " +
                    pid + " 0 -1 0 0 0 0 0 " + std::to_string(ticks) + " 0 0 0 20 0 " + std::to_string(p.threads) + " 0 " +
                    std::to_string(start) + " " + std::to_string(p.vsize_kib * 1024) + " " + std::to_string(rss_pages) +
                    " 18446744073709551615";
    for (int field = 26; field <= 52; ++field) s += field == 38 ? " 17" : " 0";
    return s + "\n";
}

std::string status_file(const agent::GuestProcess& p) {
    const std::string pid = std::to_string(p.pid);
    std::string s;
    s += "Name:\t" + one_line(p.comm) + "\n";
    s += "State:\t" + state_name(p.state) + "\n";
    s += "Tgid:\t" + pid + "\n";
    s += "Pid:\t" + pid + "\n";
    s += "PPid:\t" + std::to_string(p.ppid) + "\n";
    s += "TracerPid:\t0\n";
    s += ids_line("Uid", p.uids);
    s += ids_line("Gid", p.gids);
    s += "Groups:\t\n";
    s += "NStgid:\t" + pid + "\n";
    s += "NSpid:\t" + pid + "\n";
    s += "VmSize:\t" + std::to_string(p.vsize_kib) + " kB\n";
    s += "VmRSS:\t" + std::to_string(p.rss_kib) + " kB\n";
    s += "Threads:\t" + std::to_string(p.threads) + "\n";
    return s;
}

std::string cmdline_file(const agent::GuestProcess& p) {
    std::string s;
    for (const auto& a : p.args) {
        s += a;
        s.push_back('\0');
    }
    return s;
}

std::string stat_summary_file(const agent::GuestProcesses& ps, int64_t now_s) {
    const int64_t btime = now_s - static_cast<int64_t>(ps.uptime_ms / 1000);
    return "btime " + std::to_string(btime) + "\n";
}

}  // namespace strata::vm::procview
