#include "cgroup/layout.h"

#include <optional>

#include "base/strings.h"
#include "sys/file.h"

namespace strata::cgroup {

std::string_view mode_name(Mode m) {
    switch (m) {
        case Mode::v1: return "v1";
        case Mode::hybrid: return "hybrid";
        case Mode::v2: return "v2";
    }
    return "?";
}

std::string Hierarchy::mount_options() const { return join(controllers, ","); }

const Hierarchy* Layout::find(std::string_view controller) const {
    for (const auto& h : hierarchies)
        for (const auto& c : h.controllers)
            if (c == controller) return &h;
    return nullptr;
}

const Hierarchy* Layout::unified_hierarchy() const {
    for (const auto& h : hierarchies)
        if (h.unified()) return &h;
    return nullptr;
}

namespace {

// mountinfo: "36 25 0:31 / /sys/fs/cgroup/memory rw,nosuid shared:14 - cgroup cgroup rw,memory"
struct MountEntry {
    std::string root, mount_point, fstype, super_options;
};

std::vector<MountEntry> cgroup_mounts(std::string_view mountinfo) {
    std::vector<MountEntry> out;
    for (const auto& line : split_nonempty(mountinfo, '\n')) {
        auto dash = line.find(" - ");
        if (dash == std::string::npos) continue;
        auto left = split_nonempty(std::string_view(line).substr(0, dash), ' ');
        auto right = split_nonempty(std::string_view(line).substr(dash + 3), ' ');
        if (left.size() < 5 || right.size() < 3) continue;
        if (right[0] != "cgroup" && right[0] != "cgroup2") continue;
        out.push_back({left[3], left[4], right[0], right[2]});
    }
    return out;
}

}  // namespace

Result<Layout> parse_layout(std::string_view self_cgroup, std::string_view mountinfo) {
    auto mounts = cgroup_mounts(mountinfo);
    Layout layout;
    bool any_v1 = false;
    for (const auto& line : split_nonempty(self_cgroup, '\n')) {
        // "4:memory:/path" - the path may itself contain ':'.
        auto first = line.find(':');
        auto second = first == std::string::npos ? first : line.find(':', first + 1);
        if (second == std::string::npos) return error("parse /proc/self/cgroup line " + quote(line));
        Hierarchy h;
        auto id = parse_int(std::string_view(line).substr(0, first));
        if (!id) return error("parse /proc/self/cgroup line " + quote(line));
        h.id = static_cast<int>(*id);
        h.controllers = split_nonempty(std::string_view(line).substr(first + 1, second - first - 1), ',');
        h.own_path = line.substr(second + 1);
        // Find where this hierarchy is mounted (the mount whose options name its controllers).
        for (const auto& m : mounts) {
            if (h.unified()) {
                if (m.fstype != "cgroup2") continue;
            } else {
                if (m.fstype != "cgroup") continue;
                auto opts = split_nonempty(m.super_options, ',');
                bool all = !h.controllers.empty();
                for (const auto& c : h.controllers) {
                    bool found = false;
                    for (const auto& o : opts) found = found || o == c;
                    all = all && found;
                }
                if (!all) continue;
            }
            // Prefer the mount of the hierarchy's root ("/") over bind mounts of subtrees.
            if (m.root != "/" && !h.mount_point.empty()) continue;
            h.mount_point = m.mount_point;
            if (m.root == "/") break;
        }
        if (h.mount_point.empty()) continue;  // a hierarchy nobody mounted: nothing to manage
        any_v1 = any_v1 || !h.unified();
        layout.hierarchies.push_back(std::move(h));
    }
    if (layout.hierarchies.empty()) return error("no mounted cgroup hierarchy found");
    const Hierarchy* uni = layout.unified_hierarchy();
    layout.mode = !any_v1 ? Mode::v2 : (uni ? Mode::hybrid : Mode::v1);
    return layout;
}

Result<Layout> read_layout() {
    std::string self = STRATA_TRY(sys::read_file("/proc/self/cgroup"));
    std::string mi = STRATA_TRY(sys::read_file("/proc/self/mountinfo"));
    return parse_layout(self, mi);
}

Result<const Layout*> host_layout() {
    static std::optional<Layout> cached;
    if (!cached) cached = STRATA_TRY(read_layout());
    return &*cached;
}

}  // namespace strata::cgroup
