#include "spec/default_spec.h"

#include <nlohmann/json.hpp>

#include "base/strings.h"
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

namespace {

// JSON indented with tabs, like runc's, except that arrays of plain values (capabilities, mount
// options, the seccomp profile's ~360 syscall names) are packed into lines of at most 100
// columns instead of one value per line: the profile would otherwise be 400 of 650 lines.
void write_json(std::string& out, const json& j, int depth) {
    constexpr size_t kWidth = 100, kTab = 8;
    auto newline = [&](int d) {
        out += '\n';
        out.append(static_cast<size_t>(d), '\t');
    };
    bool container = j.is_object() || j.is_array();
    if (!container || j.empty()) {
        out += j.dump();
        return;
    }
    bool scalars = j.is_array();
    for (const auto& e : j)
        if (e.is_object() || e.is_array()) scalars = false;
    if (scalars) {
        std::vector<std::string> items;
        size_t total = 0;
        for (const auto& e : j) total += (items.emplace_back(e.dump()).size() + 2);
        size_t column = static_cast<size_t>(depth) * kTab + 30;  // a key before it, roughly
        if (column + total <= kWidth) {
            out += "[" + join(items, ", ") + "]";
            return;
        }
        out += "[";
        size_t indent = static_cast<size_t>(depth + 1) * kTab, used = kWidth;
        for (size_t i = 0; i < items.size(); ++i) {
            std::string piece = items[i] + (i + 1 < items.size() ? "," : "");
            if (used + 1 + piece.size() > kWidth) {
                newline(depth + 1);
                used = indent;
            } else {
                out += ' ';
                ++used;
            }
            out += piece;
            used += piece.size();
        }
        newline(depth);
        out += "]";
        return;
    }
    out += j.is_object() ? "{" : "[";
    size_t i = 0;
    for (auto it = j.begin(); it != j.end(); ++it, ++i) {
        newline(depth + 1);
        if (j.is_object()) out += json(it.key()).dump() + ": ";
        write_json(out, *it, depth + 1);
        if (i + 1 < j.size()) out += ",";
    }
    newline(depth);
    out += j.is_object() ? "}" : "]";
}

}  // namespace

std::string default_spec_json(const DefaultSpecOptions& opts) {
    std::string out;
    write_json(out, default_spec(opts), 0);
    return out + "\n";
}

}  // namespace strata::spec
