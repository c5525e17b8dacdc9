// Usage numbers from cgroup v2 files.

#include "cgroup/v2/stats.h"

#include "base/strings.h"
#include "cgroup/files.h"
#include "cgroup/v2/manager.h"

namespace strata::cgroup::v2 {

Stats stats_from(const FileSource& read) {
    auto read_keyed = [&](const std::string& f) -> std::optional<std::map<std::string, uint64_t>> {
        auto t = read(f);
        if (!t) return std::nullopt;
        return parse_keyed(*t);
    };
    auto has_file = [&](const std::string& f) { return read(f).has_value(); };
    auto num = [&](const std::string& f) -> uint64_t {
        auto t = read(f);
        auto v = t ? parse_number(*t) : std::nullopt;
        return v && *v ? **v : 0;
    };
    Stats s;
    if (auto cpu = read_keyed("cpu.stat")) {
        s.cpu.total_ns = (*cpu)["usage_usec"] * 1000;
        s.cpu.user_ns = (*cpu)["user_usec"] * 1000;
        s.cpu.kernel_ns = (*cpu)["system_usec"] * 1000;
        s.cpu.periods = (*cpu)["nr_periods"];
        s.cpu.throttled_periods = (*cpu)["nr_throttled"];
        s.cpu.throttled_ns = (*cpu)["throttled_usec"] * 1000;
    }
    if (has_file("memory.current")) {
        s.memory.usage = {num("memory.current"), num("memory.peak"), num("memory.max"), 0};
        if (auto ev = read_keyed("memory.events")) {
            s.memory.usage.failcnt = (*ev)["max"];
            s.memory.oom_kills = (*ev)["oom_kill"];
        }
        if (has_file("memory.swap.current"))
            s.memory.swap = {num("memory.swap.current") + s.memory.usage.usage, 0, num("memory.swap.max"), 0};
        if (auto raw = read_keyed("memory.stat")) {
            s.memory.raw = *raw;
            s.memory.cache = (*raw)["file"];
            s.memory.kernel.usage = (*raw)["kernel"];
        }
    }
    if (has_file("pids.current")) s.pids = {num("pids.current"), num("pids.max")};
    if (auto io = read("io.stat")) {
        // "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0"
        for (const auto& line : split_nonempty(*io, '\n')) {
            auto f = split_nonempty(line, ' ');
            if (f.empty()) continue;
            auto mm = split(f[0], ':');
            if (mm.size() != 2) continue;
            uint64_t maj = parse_uint(mm[0]).value_or(0), min = parse_uint(mm[1]).value_or(0);
            for (size_t i = 1; i < f.size(); ++i) {
                auto kv = split(f[i], '=');
                if (kv.size() != 2) continue;
                uint64_t v = parse_uint(kv[1]).value_or(0);
                if (kv[0] == "rbytes") s.blkio.io_service_bytes.push_back({maj, min, "Read", v});
                if (kv[0] == "wbytes") s.blkio.io_service_bytes.push_back({maj, min, "Write", v});
                if (kv[0] == "rios") s.blkio.io_serviced.push_back({maj, min, "Read", v});
                if (kv[0] == "wios") s.blkio.io_serviced.push_back({maj, min, "Write", v});
            }
        }
    }
    for (const char* size : {"2MB", "1GB"}) {
        std::string base = std::string("hugetlb.") + size;
        if (!has_file(base + ".current")) continue;
        auto ev = read_keyed(base + ".events");
        s.hugetlb[size] = {num(base + ".current"), 0, ev ? (*ev)["max"] : 0};
    }
    return s;
}

Result<Stats> Manager::stats() const {
    return stats_from([&](const std::string& name) -> std::optional<std::string> {
        auto t = read_text(m_dir, name);
        return t ? std::optional<std::string>(std::move(*t)) : std::nullopt;
    });
}

}  // namespace strata::cgroup::v2
