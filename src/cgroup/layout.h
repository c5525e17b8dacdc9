#pragma once
// Which cgroup layout this host has (pure v1, hybrid, pure v2) and where each hierarchy is,
// read from /proc/self/cgroup and /proc/self/mountinfo. The parsers are pure for unit tests.

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace strata::cgroup {

enum class Mode { v1, hybrid, v2 };
std::string_view mode_name(Mode m);

struct Hierarchy {
    int id = 0;                            // first field of /proc/self/cgroup (0 = unified)
    std::vector<std::string> controllers;  // {"cpu","cpuacct"}; {"name=systemd"}; {} for unified
    std::string mount_point;               // "/sys/fs/cgroup/memory"
    std::string own_path;                  // our cgroup in it: "/process_api/e8b6..."
    bool unified() const { return id == 0; }
    // The -o option string to mount it: "cpu,cpuacct", "name=systemd".
    std::string mount_options() const;
};

struct Layout {
    Mode mode = Mode::v2;
    std::vector<Hierarchy> hierarchies;  // v1 ones, then the unified one if mounted
    const Hierarchy* find(std::string_view controller) const;
    const Hierarchy* unified_hierarchy() const;
};

// Parses /proc/self/cgroup and /proc/self/mountinfo text.
Result<Layout> parse_layout(std::string_view proc_self_cgroup, std::string_view mountinfo);
// Reads and parses this process's view now (its own cgroup paths change when it is moved).
Result<Layout> read_layout();
// The same, read once per process: for the mode and mount points, which do not change.
Result<const Layout*> host_layout();

}  // namespace strata::cgroup
