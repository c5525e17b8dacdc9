#include "cgroup/path.h"

#include "sys/file.h"

namespace strata::cgroup {

std::string default_cgroups_path(const std::string& id) { return "strata/" + id; }

std::string cgroup_dir(const Hierarchy& h, const std::string& cgroups_path) {
    if (cgroups_path.starts_with('/')) return sys::path_join(h.mount_point, cgroups_path);
    std::string base = h.own_path;
    if (h.unified()) base = sys::dirname(base);
    return sys::path_join(sys::path_join(h.mount_point, base), cgroups_path);
}

}  // namespace strata::cgroup
