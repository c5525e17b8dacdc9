#pragma once
// Questions the host asks a running guest about its workload, for `strata ps` and `strata
// events`: the host's own view (the monitor and QEMU, its cgroup) says nothing about what runs
// inside the VM. The agent answers from the guest's /proc and the workload's cgroup v2; the host
// turns the answer into ps rows and runc's stats JSON. Asked over the exec socket (a session
// that ends with one query_result) so that a query never waits behind the workload's output.

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace strata::vm::agent {

enum class Query : uint8_t {
    processes = 1,  // the workload's processes (its pid namespace), as GuestProcess
    stats = 2,      // the workload's cgroup v2 files, by name
};

// One process of the workload, with the pids of the workload's own pid namespace (its main
// process is 1), as `ps` inside the container would show them.
struct GuestProcess {
    uint32_t pid = 0, ppid = 0;  // ppid 0: its parent is outside the workload (the agent)
    // /proc/PID/status's Uid and Gid: real, effective, saved, filesystem.
    std::array<uint32_t, 4> uids{}, gids{};
    char state = '?';            // R S D Z T ...
    uint32_t threads = 1;
    uint64_t rss_kib = 0;
    uint64_t vsize_kib = 0;
    uint64_t cpu_ms = 0;         // user + system
    uint64_t started_ms = 0;     // since the guest booted
    std::string comm;            // /proc/PID/comm
    std::vector<std::string> args;  // /proc/PID/cmdline (empty for a zombie)

    uint32_t uid() const { return uids[0]; }
    uint32_t gid() const { return gids[0]; }
};

// The answer to Query::processes: the processes and what is needed to read their times and
// namespace as a /proc inside the guest would (vm/procview).
struct GuestProcesses {
    uint64_t uptime_ms = 0;  // the guest's CLOCK_BOOTTIME when it answered
    std::string pid_ns;      // the workload's /proc/PID/ns/pid link, "pid:[INODE]"
    std::vector<GuestProcess> list;
};
std::string encode_processes(const GuestProcesses& ps);
Result<GuestProcesses> decode_processes(std::string_view payload);

// The workload's cgroup files (name -> content) that runc's stats come from: cpu.stat,
// memory.current, memory.max, memory.peak, memory.events, memory.stat, memory.swap.current,
// memory.swap.max, pids.current, pids.max, io.stat. Only those the guest has.
using CgroupFiles = std::map<std::string, std::string>;
inline constexpr const char* kStatsFiles[] = {"cpu.stat", "memory.current", "memory.max", "memory.peak",
                                              "memory.events", "memory.stat", "memory.swap.current",
                                              "memory.swap.max", "pids.current", "pids.max", "io.stat"};
std::string encode_files(const CgroupFiles& files);
Result<CgroupFiles> decode_files(std::string_view payload);

}  // namespace strata::vm::agent
