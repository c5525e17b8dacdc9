#include "spec/default_spec.h"

#include <nlohmann/json.hpp>

#include "spec/default_seccomp.h"

namespace strata::spec {

using json = nlohmann::json;

json default_spec(const DefaultSpecOptions& opts) {
    json caps = json::array({"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"});
    if (opts.hardened) caps = json::array();
    json process = {
        {"terminal", true},
        {"user", {{"uid", opts.hardened ? 65534 : 0}, {"gid", opts.hardened ? 65534 : 0}}},
        {"args", {"sh"}},
        {"env", {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"}},
        {"cwd", "/"},
        // Inheritable stays empty (CVE-2022-29162): nothing crosses an execve unless asked for.
        {"capabilities",
         {{"bounding", caps}, {"effective", caps}, {"permitted", caps}, {"ambient", caps}}},
        {"rlimits", {{{"type", "RLIMIT_NOFILE"}, {"hard", 1024}, {"soft", 1024}}}},
        {"noNewPrivileges", true},
    };
    json mounts = json::array({
        {{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}},
        {{"destination", "/dev"}, {"type", "tmpfs"}, {"source", "tmpfs"},
         {"options", {"nosuid", "strictatime", "mode=755", "size=65536k"}}},
        {{"destination", "/dev/pts"}, {"type", "devpts"}, {"source", "devpts"},
         {"options", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}}},
        {{"destination", "/dev/shm"}, {"type", "tmpfs"}, {"source", "shm"},
         {"options", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}}},
        {{"destination", "/dev/mqueue"}, {"type", "mqueue"}, {"source", "mqueue"},
         {"options", {"nosuid", "noexec", "nodev"}}},
        {{"destination", "/sys"}, {"type", "sysfs"}, {"source", "sysfs"},
         {"options", {"nosuid", "noexec", "nodev", "ro"}}},
        {{"destination", "/sys/fs/cgroup"}, {"type", "cgroup"}, {"source", "cgroup"},
         {"options", {"nosuid", "noexec", "nodev", "relatime", "ro"}}},
    });
    if (opts.hardened)
        mounts.push_back({{"destination", "/tmp"}, {"type", "tmpfs"}, {"source", "tmpfs"},
                          {"options", {"nosuid", "nodev", "mode=1777", "size=65536k"}}});
    json namespaces = json::array();
    for (const char* t : {"pid", "network", "ipc", "uts", "mount", "cgroup"})
        namespaces.push_back({{"type", t}});
    json linux_section = {
        {"resources", {{"devices", {{{"allow", false}, {"access", "rwm"}}}}}},
        {"namespaces", namespaces},
        {"maskedPaths",
         {"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
          "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
          "/proc/scsi", "/sys/devices/virtual/powercap"}},
        {"readonlyPaths",
         {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}},
        // Docker's and Podman's profile, resolved for the capabilities granted above.
        {"seccomp", default_seccomp_profile(caps.get<std::vector<std::string>>())},
    };
    if (opts.rootless) {
        linux_section["namespaces"].push_back({{"type", "user"}});
        linux_section["uidMappings"] = {
            {{"containerID", 0}, {"hostID", opts.rootless_uid}, {"size", 1}}};
        linux_section["gidMappings"] = {
            {{"containerID", 0}, {"hostID", opts.rootless_gid}, {"size", 1}}};
        linux_section.erase("resources");
    }
    return json{
        {"ociVersion", "1.2.0"},
        {"process", process},
        {"root", {{"path", "rootfs"}, {"readonly", true}}},
        {"hostname", "strata"},
        {"mounts", mounts},
        {"linux", linux_section},
    };
}

std::string default_spec_json(const DefaultSpecOptions& opts) {
    return default_spec(opts).dump(1, '\t') + "\n";
}

}  // namespace strata::spec
