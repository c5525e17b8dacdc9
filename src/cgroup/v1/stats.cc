// Usage numbers from cgroup v1 files.

#include "base/strings.h"
#include "cgroup/files.h"
#include "cgroup/v1/manager.h"

namespace strata::cgroup::v1 {
namespace {

uint64_t value_or_zero(const std::string& dir, const char* file) {
    auto v = read_number(dir, file);
    return v && *v ? **v : 0;
}

// "8:0 Read 4096" lines of blkio.*_recursive.
std::vector<BlkioEntry> blkio_entries(const std::string& dir, const char* file) {
    std::vector<BlkioEntry> out;
    auto text = read_text(dir, file);
    if (!text) return out;
    for (const auto& line : split_nonempty(*text, '\n')) {
        auto f = split_nonempty(line, ' ');
        if (f.size() != 3) continue;
        auto mm = split(f[0], ':');
        if (mm.size() != 2) continue;
        BlkioEntry e;
        e.major = parse_uint(mm[0]).value_or(0);
        e.minor = parse_uint(mm[1]).value_or(0);
        e.op = f[1];
        e.value = parse_uint(f[2]).value_or(0);
        out.push_back(e);
    }
    return out;
}

}  // namespace

Result<Stats> Manager::stats() const {
    Stats s;
    if (const std::string* d = dir("cpuacct")) {
        s.cpu.total_ns = value_or_zero(*d, "cpuacct.usage");
        if (auto per = read_text(*d, "cpuacct.usage_percpu"))
            for (const auto& v : split_nonempty(trim(*per), ' ')) s.cpu.percpu_ns.push_back(parse_uint(v).value_or(0));
        if (auto st = read_keyed(*d, "cpuacct.stat")) {
            // USER_HZ ticks -> ns
            long hz = ::sysconf(_SC_CLK_TCK);
            s.cpu.user_ns = (*st)["user"] * (1000000000ULL / static_cast<uint64_t>(hz));
            s.cpu.kernel_ns = (*st)["system"] * (1000000000ULL / static_cast<uint64_t>(hz));
        }
    }
    if (const std::string* d = dir("cpu")) {
        if (auto st = read_keyed(*d, "cpu.stat")) {
            s.cpu.periods = (*st)["nr_periods"];
            s.cpu.throttled_periods = (*st)["nr_throttled"];
            s.cpu.throttled_ns = (*st)["throttled_time"];
        }
    }
    if (const std::string* d = dir("memory")) {
        s.memory.usage = {value_or_zero(*d, "memory.usage_in_bytes"), value_or_zero(*d, "memory.max_usage_in_bytes"),
                          value_or_zero(*d, "memory.limit_in_bytes"), value_or_zero(*d, "memory.failcnt")};
        if (has_file(*d, "memory.memsw.usage_in_bytes"))
            s.memory.swap = {value_or_zero(*d, "memory.memsw.usage_in_bytes"), value_or_zero(*d, "memory.memsw.max_usage_in_bytes"),
                             value_or_zero(*d, "memory.memsw.limit_in_bytes"), value_or_zero(*d, "memory.memsw.failcnt")};
        if (has_file(*d, "memory.kmem.usage_in_bytes"))
            s.memory.kernel = {value_or_zero(*d, "memory.kmem.usage_in_bytes"), value_or_zero(*d, "memory.kmem.max_usage_in_bytes"),
                               value_or_zero(*d, "memory.kmem.limit_in_bytes"), value_or_zero(*d, "memory.kmem.failcnt")};
        if (auto raw = read_keyed(*d, "memory.stat")) {
            s.memory.raw = *raw;
            s.memory.cache = (*raw)["cache"];
        }
        s.memory.oom_kills = oom_kill_count().value_or(0);
    }
    if (const std::string* d = dir("pids")) {
        s.pids.current = value_or_zero(*d, "pids.current");
        s.pids.limit = value_or_zero(*d, "pids.max");
    }
    if (const std::string* d = dir("blkio")) {
        s.blkio.io_service_bytes = blkio_entries(*d, "blkio.throttle.io_service_bytes_recursive");
        s.blkio.io_serviced = blkio_entries(*d, "blkio.throttle.io_serviced_recursive");
    }
    if (const std::string* d = dir("hugetlb")) {
        for (const char* size : {"2MB", "1GB"}) {
            std::string base = std::string("hugetlb.") + size;
            if (!has_file(*d, base + ".usage_in_bytes")) continue;
            s.hugetlb[size] = {value_or_zero(*d, (base + ".usage_in_bytes").c_str()),
                               value_or_zero(*d, (base + ".max_usage_in_bytes").c_str()),
                               value_or_zero(*d, (base + ".failcnt").c_str())};
        }
    } else if (const std::string* u = dir("unified")) {
        for (const char* size : {"2MB", "1GB"}) {
            std::string base = std::string("hugetlb.") + size;
            if (!has_file(*u, base + ".current")) continue;
            auto ev = read_keyed(*u, base + ".events");
            s.hugetlb[size] = {value_or_zero(*u, (base + ".current").c_str()), 0, ev ? (*ev)["max"] : 0};
        }
    }
    return s;
}

}  // namespace strata::cgroup::v1
