#include "spec/tables.h"

#include <sched.h>
#include <sys/resource.h>

#include <utility>

namespace strata::spec {

std::optional<int> namespace_clone_flag(std::string_view type) {
    if (type == "pid") return CLONE_NEWPID;
    if (type == "network") return CLONE_NEWNET;
    if (type == "mount") return CLONE_NEWNS;
    if (type == "ipc") return CLONE_NEWIPC;
    if (type == "uts") return CLONE_NEWUTS;
    if (type == "user") return CLONE_NEWUSER;
    if (type == "cgroup") return CLONE_NEWCGROUP;
    if (type == "time") return CLONE_NEWTIME;
    return std::nullopt;
}

std::string_view namespace_proc_name(int flag) {
    switch (flag) {
        case CLONE_NEWPID: return "pid";
        case CLONE_NEWNET: return "net";
        case CLONE_NEWNS: return "mnt";
        case CLONE_NEWIPC: return "ipc";
        case CLONE_NEWUTS: return "uts";
        case CLONE_NEWUSER: return "user";
        case CLONE_NEWCGROUP: return "cgroup";
        case CLONE_NEWTIME: return "time";
    }
    return "";
}

const std::vector<std::string>& namespace_types() {
    static const std::vector<std::string> kTypes = {"user",  "pid",  "network", "ipc",
                                                    "uts",   "mount", "cgroup", "time"};
    return kTypes;
}

std::optional<int> rlimit_resource(std::string_view n) {
    static constexpr std::pair<std::string_view, int> kTable[] = {
        {"RLIMIT_CPU", RLIMIT_CPU},         {"RLIMIT_FSIZE", RLIMIT_FSIZE},
        {"RLIMIT_DATA", RLIMIT_DATA},       {"RLIMIT_STACK", RLIMIT_STACK},
        {"RLIMIT_CORE", RLIMIT_CORE},       {"RLIMIT_RSS", RLIMIT_RSS},
        {"RLIMIT_NPROC", RLIMIT_NPROC},     {"RLIMIT_NOFILE", RLIMIT_NOFILE},
        {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_AS", RLIMIT_AS},
        {"RLIMIT_LOCKS", RLIMIT_LOCKS},     {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
        {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
        {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},   {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    };
    for (auto [name, v] : kTable)
        if (name == n) return v;
    return std::nullopt;
}

std::optional<int> scheduler_policy(std::string_view n) {
    if (n == "SCHED_OTHER") return SCHED_OTHER;
    if (n == "SCHED_FIFO") return SCHED_FIFO;
    if (n == "SCHED_RR") return SCHED_RR;
    if (n == "SCHED_BATCH") return SCHED_BATCH;
    if (n == "SCHED_ISO") return 4;
    if (n == "SCHED_IDLE") return SCHED_IDLE;
    if (n == "SCHED_DEADLINE") return 6;
    return std::nullopt;
}

std::optional<int> mempolicy_mode(std::string_view n) {
    // The ABI values of linux/mempolicy.h (MPOL_WEIGHTED_INTERLEAVE: Linux 6.9).
    constexpr std::pair<std::string_view, int> kModes[] = {
        {"MPOL_DEFAULT", 0}, {"MPOL_PREFERRED", 1}, {"MPOL_BIND", 2}, {"MPOL_INTERLEAVE", 3},
        {"MPOL_LOCAL", 4},   {"MPOL_PREFERRED_MANY", 5}, {"MPOL_WEIGHTED_INTERLEAVE", 6}};
    for (const auto& [name, v] : kModes)
        if (n == name) return v;
    return std::nullopt;
}

std::optional<int> mempolicy_flag(std::string_view n) {
    if (n == "MPOL_F_STATIC_NODES") return 1 << 15;
    if (n == "MPOL_F_RELATIVE_NODES") return 1 << 14;
    if (n == "MPOL_F_NUMA_BALANCING") return 1 << 13;
    return std::nullopt;
}

std::optional<std::vector<int>> parse_node_list(std::string_view list) {
    std::vector<int> out;
    auto number = [](std::string_view s) -> std::optional<int> {
        if (s.empty() || s.size() > 4) return std::nullopt;
        int v = 0;
        for (char c : s) {
            if (c < '0' || c > '9') return std::nullopt;
            v = v * 10 + (c - '0');
        }
        return v < 4096 ? std::optional<int>(v) : std::nullopt;
    };
    while (!list.empty()) {
        auto comma = list.find(',');
        std::string_view part = list.substr(0, comma);
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
        auto dash = part.find('-');
        auto lo = number(part.substr(0, dash));
        auto hi = dash == std::string_view::npos ? lo : number(part.substr(dash + 1));
        if (!lo || !hi || *hi < *lo) return std::nullopt;
        for (int v = *lo; v <= *hi; ++v) out.push_back(v);
    }
    return out;
}

std::optional<int> io_priority_class(std::string_view n) {
    // linux/ioprio.h does not compile as C++ (6.1 headers); the ABI values are fixed.
    if (n == "IOPRIO_CLASS_RT") return 1;
    if (n == "IOPRIO_CLASS_BE") return 2;
    if (n == "IOPRIO_CLASS_IDLE") return 3;
    return std::nullopt;
}

namespace {
constexpr std::string_view kCaps[] = {
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
    "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
    "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
    "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};
}  // namespace

std::optional<int> capability_number(std::string_view name) {
    for (int i = 0; i < static_cast<int>(std::size(kCaps)); ++i)
        if (kCaps[i] == name) return i;
    return std::nullopt;
}

std::string capability_name(int cap) {
    if (cap >= 0 && cap < static_cast<int>(std::size(kCaps))) return std::string(kCaps[cap]);
    return "CAP_" + std::to_string(cap);
}

int last_known_capability() { return static_cast<int>(std::size(kCaps)) - 1; }

}  // namespace strata::spec
