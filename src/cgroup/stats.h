#pragma once
// What a container's cgroup has used, in the units runc's `events --stats` reports.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace strata::cgroup {

struct CpuStats {
    uint64_t total_ns = 0, user_ns = 0, kernel_ns = 0;
    std::vector<uint64_t> percpu_ns;
    uint64_t periods = 0, throttled_periods = 0, throttled_ns = 0;
};

struct MemoryEntry {
    uint64_t usage = 0, max_usage = 0, limit = 0, failcnt = 0;
};

struct MemoryStats {
    MemoryEntry usage, swap, kernel;
    uint64_t cache = 0;
    uint64_t oom_kills = 0;
    std::map<std::string, uint64_t> raw;  // memory.stat
};

struct PidsStats {
    uint64_t current = 0, limit = 0;  // limit 0 = unlimited
};

struct BlkioEntry {
    uint64_t major = 0, minor = 0;
    std::string op;  // Read Write Sync Async Discard Total
    uint64_t value = 0;
};

struct BlkioStats {
    std::vector<BlkioEntry> io_service_bytes, io_serviced;
};

struct HugetlbStats {
    uint64_t usage = 0, max_usage = 0, failcnt = 0;
};

struct Stats {
    CpuStats cpu;
    MemoryStats memory;
    PidsStats pids;
    BlkioStats blkio;
    std::map<std::string, HugetlbStats> hugetlb;  // page size ("2MB") -> usage
};

}  // namespace strata::cgroup
