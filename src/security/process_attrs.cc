#include "security/process_attrs.h"

#include <sched.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include "base/strings.h"
#include "spec/tables.h"

namespace strata::security {

Result<> apply_personality(const spec::Personality& p) {
    unsigned long persona = p.domain == "LINUX32" ? PER_LINUX32 : PER_LINUX;
    if (!p.flags.empty()) return error(".linux.personality.flags: no flags are supported");
    if (::personality(persona) < 0) return os_error(errno, "personality " + p.domain);
    return {};
}

namespace {

// struct sched_attr (linux/sched/types.h), not exported by glibc 2.36.
struct SchedAttr {
    uint32_t size;
    uint32_t sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime, sched_deadline, sched_period;
};

uint64_t sched_flag(const std::string& f) {
    if (f == "SCHED_FLAG_RESET_ON_FORK") return 0x01;
    if (f == "SCHED_FLAG_RECLAIM") return 0x02;
    if (f == "SCHED_FLAG_DL_OVERRUN") return 0x04;
    if (f == "SCHED_FLAG_KEEP_POLICY") return 0x08;
    if (f == "SCHED_FLAG_KEEP_PARAMS") return 0x10;
    if (f == "SCHED_FLAG_UTIL_CLAMP_MIN") return 0x20;
    if (f == "SCHED_FLAG_UTIL_CLAMP_MAX") return 0x40;
    return 0;
}

}  // namespace

Result<> apply_scheduler(const spec::Scheduler& s) {
    SchedAttr a;
    std::memset(&a, 0, sizeof a);
    a.size = sizeof a;
    a.sched_policy = static_cast<uint32_t>(*spec::scheduler_policy(s.policy));
    for (const auto& f : s.flags) {
        uint64_t bit = sched_flag(f);
        if (!bit) return error(".process.scheduler.flags: unknown flag " + quote(f));
        a.sched_flags |= bit;
    }
    a.sched_nice = s.nice;
    a.sched_priority = static_cast<uint32_t>(s.priority);
    a.sched_runtime = s.runtime;
    a.sched_deadline = s.deadline;
    a.sched_period = s.period;
    if (::syscall(SYS_sched_setattr, 0, &a, 0) < 0) return os_error(errno, "set scheduler " + s.policy);
    return {};
}

Result<> apply_io_priority(const spec::IoPriority& p) {
    int cls = *spec::io_priority_class(p.io_class);
    constexpr int kWhoProcess = 1, kClassShift = 13;
    if (::syscall(SYS_ioprio_set, kWhoProcess, 0, (cls << kClassShift) | p.priority) < 0)
        return os_error(errno, "set I/O priority " + p.io_class + " " + std::to_string(p.priority));
    return {};
}

}  // namespace strata::security
