// linux.resources -> cgroup v1 files (and, on hybrid hosts, the unified hierarchy's files for the
// controllers bound to it).

#include <algorithm>

#include "base/strings.h"
#include "cgroup/devices.h"
#include "cgroup/files.h"
#include "cgroup/v1/manager.h"
#include "cgroup/v2/common.h"

namespace strata::cgroup::v1 {
namespace {

std::string num(int64_t v) { return std::to_string(v); }

Result<> apply_memory(const std::string* d, const spec::Memory& m) {
    const std::string f = ".linux.resources.memory";
    if (!d) return unsupported(f, "this host has no memory hierarchy");
    if (m.swap && !has_file(*d, "memory.memsw.limit_in_bytes"))
        return unsupported(f + ".swap", "swap accounting is off on this host (boot with swapaccount=1)");
    // memory.limit <= memory.memsw.limit must hold after every single write: raise swap first when
    // the new limit is above the current memory+swap limit.
    bool swap_first = false;
    if (m.limit && m.swap) {
        auto cur = STRATA_TRY(read_number(*d, "memory.memsw.limit_in_bytes"));
        swap_first = cur && *m.limit > 0 && static_cast<uint64_t>(*m.limit) > *cur;
    }
    if (swap_first) STRATA_TRY(write_field(*d, "memory.memsw.limit_in_bytes", num(*m.swap), f + ".swap"));
    if (m.limit) STRATA_TRY(write_field(*d, "memory.limit_in_bytes", num(*m.limit), f + ".limit"));
    if (m.swap && !swap_first) STRATA_TRY(write_field(*d, "memory.memsw.limit_in_bytes", num(*m.swap), f + ".swap"));
    if (m.reservation) STRATA_TRY(write_field(*d, "memory.soft_limit_in_bytes", num(*m.reservation), f + ".reservation"));
    if (m.kernel) STRATA_TRY(write_field(*d, "memory.kmem.limit_in_bytes", num(*m.kernel), f + ".kernel"));
    if (m.kernel_tcp) STRATA_TRY(write_field(*d, "memory.kmem.tcp.limit_in_bytes", num(*m.kernel_tcp), f + ".kernelTCP"));
    if (m.swappiness) {
        if (*m.swappiness > 100) return error(f + ".swappiness: must be between 0 and 100");
        STRATA_TRY(write_field(*d, "memory.swappiness", std::to_string(*m.swappiness), f + ".swappiness"));
    }
    if (m.disable_oom_killer) STRATA_TRY(write_field(*d, "memory.oom_control", *m.disable_oom_killer ? "1" : "0", f + ".disableOOMKiller"));
    if (m.use_hierarchy && !*m.use_hierarchy)
        return unsupported(f + ".useHierarchy", "this kernel always uses the hierarchy");
    return {};
}

Result<> apply_cpu(const std::string* cpu, const std::string* cpuset, const spec::Cpu& c) {
    const std::string f = ".linux.resources.cpu";
    bool wants_cpu = c.shares || c.quota || c.period || c.burst || c.realtime_runtime || c.realtime_period || c.idle;
    if (wants_cpu && !cpu) return unsupported(f, "this host has no cpu hierarchy");
    if (c.shares) STRATA_TRY(write_field(*cpu, "cpu.shares", std::to_string(*c.shares), f + ".shares"));
    // The period first: a quota is validated against the current period.
    if (c.period) STRATA_TRY(write_field(*cpu, "cpu.cfs_period_us", std::to_string(*c.period), f + ".period"));
    if (c.quota) STRATA_TRY(write_field(*cpu, "cpu.cfs_quota_us", num(*c.quota > 0 ? *c.quota : -1), f + ".quota"));
    if (c.burst) STRATA_TRY(write_field(*cpu, "cpu.cfs_burst_us", std::to_string(*c.burst), f + ".burst"));
    if (c.realtime_period) STRATA_TRY(write_field(*cpu, "cpu.rt_period_us", std::to_string(*c.realtime_period), f + ".realtimePeriod"));
    if (c.realtime_runtime) STRATA_TRY(write_field(*cpu, "cpu.rt_runtime_us", num(*c.realtime_runtime), f + ".realtimeRuntime"));
    if (c.idle) STRATA_TRY(write_field(*cpu, "cpu.idle", num(*c.idle), f + ".idle"));
    if ((!c.cpus.empty() || !c.mems.empty()) && !cpuset) return unsupported(f + ".cpus", "this host has no cpuset hierarchy");
    if (!c.cpus.empty()) STRATA_TRY(write_field(*cpuset, "cpuset.cpus", c.cpus, f + ".cpus"));
    if (!c.mems.empty()) STRATA_TRY(write_field(*cpuset, "cpuset.mems", c.mems, f + ".mems"));
    return {};
}

Result<> apply_blkio(const std::string* d, const spec::BlockIo& b) {
    const std::string f = ".linux.resources.blockIO";
    if (!d) return unsupported(f, "this host has no blkio hierarchy");
    // Proportional weights exist only with the BFQ (or, before 5.0, CFQ) I/O scheduler.
    std::string weight = has_file(*d, "blkio.weight") ? "blkio.weight" : "blkio.bfq.weight";
    if (b.weight) {
        if (!has_file(*d, weight)) return unsupported(f + ".weight", "no proportional I/O weight here (needs the BFQ scheduler)");
        STRATA_TRY(write_field(*d, weight, std::to_string(*b.weight), f + ".weight"));
    }
    if (b.leaf_weight) return unsupported(f + ".leafWeight", "removed from Linux with CFQ (5.0)");
    for (size_t i = 0; i < b.weight_device.size(); ++i) {
        const auto& w = b.weight_device[i];
        std::string field = f + ".weightDevice[" + std::to_string(i) + "]";
        if (w.leaf_weight) return unsupported(field + ".leafWeight", "removed from Linux with CFQ (5.0)");
        if (!w.weight) continue;
        if (!has_file(*d, weight + "_device") && !has_file(*d, weight)) return unsupported(field, "no per-device I/O weight here (needs BFQ)");
        std::string file = has_file(*d, weight + "_device") ? weight + "_device" : weight;
        STRATA_TRY(write_field(*d, file, num(w.major) + ":" + num(w.minor) + " " + std::to_string(*w.weight), field));
    }
    struct Throttle {
        const std::vector<spec::ThrottleDevice>* list;
        const char* file;
        const char* name;
    };
    for (const Throttle& t : {Throttle{&b.throttle_read_bps, "blkio.throttle.read_bps_device", "throttleReadBpsDevice"},
                              Throttle{&b.throttle_write_bps, "blkio.throttle.write_bps_device", "throttleWriteBpsDevice"},
                              Throttle{&b.throttle_read_iops, "blkio.throttle.read_iops_device", "throttleReadIOPSDevice"},
                              Throttle{&b.throttle_write_iops, "blkio.throttle.write_iops_device", "throttleWriteIOPSDevice"}})
        for (size_t i = 0; i < t.list->size(); ++i) {
            const auto& x = (*t.list)[i];
            STRATA_TRY(write_field(*d, t.file, num(x.major) + ":" + num(x.minor) + " " + std::to_string(x.rate),
                                   f + "." + t.name + "[" + std::to_string(i) + "]"));
        }
    return {};
}

}  // namespace

Result<> Manager::apply(const spec::Resources& r) {
    const std::string* uni = dir("unified");
    if (r.memory) STRATA_TRY(apply_memory(dir("memory"), *r.memory));
    if (r.cpu) STRATA_TRY(apply_cpu(dir("cpu"), dir("cpuset"), *r.cpu));
    if (r.pids_limit) {
        const std::string* d = dir("pids");
        if (!d) return unsupported(".linux.resources.pids", "this host has no pids hierarchy");
        STRATA_TRY(write_field(*d, "pids.max", *r.pids_limit > 0 ? std::to_string(*r.pids_limit) : "max", ".linux.resources.pids.limit"));
    }
    if (r.block_io) STRATA_TRY(apply_blkio(dir("blkio"), *r.block_io));
    if (!r.hugepage_limits.empty()) {
        if (const std::string* d = dir("hugetlb")) {
            for (size_t i = 0; i < r.hugepage_limits.size(); ++i) {
                const auto& l = r.hugepage_limits[i];
                std::string field = ".linux.resources.hugepageLimits[" + std::to_string(i) + "]";
                std::string file = "hugetlb." + l.page_size + ".limit_in_bytes";
                if (!has_file(*d, file)) return unsupported(field + ".pageSize", "no huge page size " + quote(l.page_size) + " here");
                STRATA_TRY(write_field(*d, file, std::to_string(l.limit), field));
            }
        } else if (uni && read_text(m_unified_root, "cgroup.controllers").value_or("").find("hugetlb") != std::string::npos) {
            // Hybrid with hugetlb bound to cgroup2 (this project's CI hosts): delegate it down to
            // the container's unified cgroup only when a limit asks for it.
            STRATA_TRY(v2::enable_controllers(m_unified_root, *uni, {"hugetlb"}));
            STRATA_TRY(v2::apply_hugetlb(*uni, r.hugepage_limits));
        } else {
            return unsupported(".linux.resources.hugepageLimits", "no hugetlb controller on this host");
        }
    }
    if (r.network) {
        const std::string* cls = dir("net_cls");
        const std::string* prio = dir("net_prio");
        if (r.network->class_id) {
            if (!cls) return unsupported(".linux.resources.network.classID", "this host has no net_cls hierarchy");
            STRATA_TRY(write_field(*cls, "net_cls.classid", std::to_string(*r.network->class_id), ".linux.resources.network.classID"));
        }
        for (size_t i = 0; i < r.network->priorities.size(); ++i) {
            std::string field = ".linux.resources.network.priorities[" + std::to_string(i) + "]";
            if (!prio) return unsupported(field, "this host has no net_prio hierarchy");
            const auto& p = r.network->priorities[i];
            STRATA_TRY(write_field(*prio, "net_prio.ifpriomap", p.name + " " + std::to_string(p.priority), field));
        }
    }
    if (!r.unified.empty()) {
        if (!uni) return unsupported(".linux.resources.unified", "needs cgroup v2; this host is cgroup v1 only");
        STRATA_TRY(v2::apply_unified(*uni, r.unified));  // hybrid: only files the unified tree has
    }
    auto rules = container_rules(r.devices);
    if (!rules.empty()) {
        DevicePolicy policy = reduce(rules);
        const std::string* d = dir("devices");
        if (!d) return unsupported(".linux.resources.devices", "this host has no devices hierarchy");
        STRATA_TRY(write_field(*d, policy.default_allow ? "devices.allow" : "devices.deny", "a", ".linux.resources.devices"));
        for (size_t i = 0; i < policy.exceptions.size(); ++i) {
            const auto& e = policy.exceptions[i];
            STRATA_TRY(write_field(*d, e.allow ? "devices.allow" : "devices.deny", e.v1_line(), ".linux.resources.devices"));
        }
    }
    return {};
}

}  // namespace strata::cgroup::v1
