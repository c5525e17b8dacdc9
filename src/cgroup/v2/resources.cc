// linux.resources -> cgroup v2 files, with the OCI spec's v1-to-v2 conversions.

#include <algorithm>

#include "base/strings.h"
#include "cgroup/devices.h"
#include "cgroup/files.h"
#include "cgroup/v2/common.h"
#include "cgroup/v2/manager.h"

namespace strata::cgroup::v2 {
namespace {

std::string limit_value(int64_t v) { return v < 0 ? "max" : std::to_string(v); }

Result<> apply_memory(const std::string& d, const spec::Memory& m) {
    const std::string f = ".linux.resources.memory";
    if ((m.limit || m.swap || m.reservation) && !has_file(d, "memory.max"))
        return unsupported(f, "the memory controller is not enabled for this cgroup");
    if (m.limit) STRATA_TRY(write_field(d, "memory.max", limit_value(*m.limit), f + ".limit"));
    if (m.swap) {
        // OCI's swap is memory+swap (the v1 meaning); v2's swap.max counts swap alone.
        if (!has_file(d, "memory.swap.max")) return unsupported(f + ".swap", "swap accounting is off on this host");
        std::string v = "max";
        if (*m.swap >= 0) {
            if (!m.limit || *m.limit < 0) return error(f + ".swap: needs memory.limit on cgroup v2");
            if (*m.swap < *m.limit) return error(f + ".swap: must not be below memory.limit");
            v = std::to_string(*m.swap - *m.limit);
        }
        STRATA_TRY(write_field(d, "memory.swap.max", v, f + ".swap"));
    }
    if (m.reservation) STRATA_TRY(write_field(d, "memory.low", limit_value(*m.reservation), f + ".reservation"));
    if (m.kernel) return unsupported(f + ".kernel", "cgroup v2 has no separate kernel memory limit");
    if (m.kernel_tcp) return unsupported(f + ".kernelTCP", "cgroup v2 has no separate TCP memory limit");
    if (m.swappiness) return unsupported(f + ".swappiness", "cgroup v2 has no per-cgroup swappiness");
    if (m.disable_oom_killer && *m.disable_oom_killer)
        return unsupported(f + ".disableOOMKiller", "cgroup v2 cannot disable the OOM killer");
    return {};
}

Result<> apply_cpu(const std::string& d, const spec::Cpu& c) {
    const std::string f = ".linux.resources.cpu";
    if (c.shares) {
        // The OCI conversion from v1 shares [2, 262144] to v2 weight [1, 10000].
        uint64_t shares = std::clamp<uint64_t>(*c.shares, 2, 262144);
        uint64_t weight = 1 + ((shares - 2) * 9999) / 262142;
        STRATA_TRY(write_field(d, "cpu.weight", std::to_string(weight), f + ".shares"));
    }
    if (c.quota || c.period) {
        std::string quota = c.quota && *c.quota > 0 ? std::to_string(*c.quota) : "max";
        std::string period = c.period ? std::to_string(*c.period) : "100000";
        STRATA_TRY(write_field(d, "cpu.max", quota + " " + period, f + ".quota"));
    }
    if (c.burst) STRATA_TRY(write_field(d, "cpu.max.burst", std::to_string(*c.burst), f + ".burst"));
    if (c.realtime_runtime || c.realtime_period)
        return unsupported(f + ".realtimeRuntime", "cgroup v2 has no real-time group scheduling");
    if (c.idle) STRATA_TRY(write_field(d, "cpu.idle", std::to_string(*c.idle), f + ".idle"));
    if (!c.cpus.empty()) STRATA_TRY(write_field(d, "cpuset.cpus", c.cpus, f + ".cpus"));
    if (!c.mems.empty()) STRATA_TRY(write_field(d, "cpuset.mems", c.mems, f + ".mems"));
    return {};
}

Result<> apply_io(const std::string& d, const spec::BlockIo& b) {
    const std::string f = ".linux.resources.blockIO";
    auto weight = [](uint16_t w) {  // v1 [10, 1000] -> v2 [1, 10000]
        uint64_t c = std::clamp<uint64_t>(w, 10, 1000);
        return 1 + (c - 10) * 9999 / 990;
    };
    std::string wfile = has_file(d, "io.bfq.weight") ? "io.bfq.weight" : "io.weight";
    if (b.weight) {
        if (!has_file(d, wfile)) return unsupported(f + ".weight", "no proportional I/O weight here");
        STRATA_TRY(write_field(d, wfile, wfile == "io.bfq.weight" ? std::to_string(*b.weight) : std::to_string(weight(*b.weight)), f + ".weight"));
    }
    if (b.leaf_weight) return unsupported(f + ".leafWeight", "cgroup v2 has no leaf weight");
    for (size_t i = 0; i < b.weight_device.size(); ++i) {
        const auto& w = b.weight_device[i];
        std::string field = f + ".weightDevice[" + std::to_string(i) + "]";
        if (w.leaf_weight) return unsupported(field + ".leafWeight", "cgroup v2 has no leaf weight");
        if (!w.weight) continue;
        if (!has_file(d, wfile)) return unsupported(field, "no proportional I/O weight here");
        STRATA_TRY(write_field(d, wfile, std::to_string(w.major) + ":" + std::to_string(w.minor) + " " + std::to_string(weight(*w.weight)), field));
    }
    struct Throttle {
        const std::vector<spec::ThrottleDevice>* list;
        const char* key;
        const char* name;
    };
    for (const Throttle& t : {Throttle{&b.throttle_read_bps, "rbps", "throttleReadBpsDevice"},
                              Throttle{&b.throttle_write_bps, "wbps", "throttleWriteBpsDevice"},
                              Throttle{&b.throttle_read_iops, "riops", "throttleReadIOPSDevice"},
                              Throttle{&b.throttle_write_iops, "wiops", "throttleWriteIOPSDevice"}})
        for (size_t i = 0; i < t.list->size(); ++i) {
            const auto& x = (*t.list)[i];
            STRATA_TRY(write_field(d, "io.max", std::to_string(x.major) + ":" + std::to_string(x.minor) + " " + t.key + "=" + std::to_string(x.rate),
                                   f + "." + t.name + "[" + std::to_string(i) + "]"));
        }
    return {};
}

}  // namespace

Result<> Manager::apply(const spec::Resources& r) {
    if (r.memory) STRATA_TRY(apply_memory(m_dir, *r.memory));
    if (r.cpu) STRATA_TRY(apply_cpu(m_dir, *r.cpu));
    if (r.pids_limit) {
        if (!has_file(m_dir, "pids.max")) return unsupported(".linux.resources.pids", "the pids controller is not enabled for this cgroup");
        STRATA_TRY(write_field(m_dir, "pids.max", *r.pids_limit > 0 ? std::to_string(*r.pids_limit) : "max", ".linux.resources.pids.limit"));
    }
    if (r.block_io) STRATA_TRY(apply_io(m_dir, *r.block_io));
    if (!r.hugepage_limits.empty()) STRATA_TRY(apply_hugetlb(m_dir, r.hugepage_limits));
    if (r.network && (r.network->class_id || !r.network->priorities.empty()))
        return unsupported(".linux.resources.network", "net_cls and net_prio exist only in cgroup v1");
    if (!r.unified.empty()) STRATA_TRY(apply_unified(m_dir, r.unified));
    auto rules = container_rules(r.devices);
    if (!rules.empty()) STRATA_TRY(apply_device_policy(m_dir, reduce(rules)));
    return {};
}

}  // namespace strata::cgroup::v2
