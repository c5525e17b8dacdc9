#pragma once
// Where a container's cgroup goes in each hierarchy (pure, for unit tests).
//
// linux.cgroupsPath absolute ("/default/c1"): that path under each hierarchy's root.
// Relative ("strata/c1", also the default): on v1, under the runtime's own cgroup in that
// hierarchy (runc's rule); on a v2 hierarchy, under the *parent* of the runtime's own cgroup,
// because v2 forbids processes in a cgroup whose controllers are delegated to children (runc's
// rule too). Either way strata never moves or changes the cgroup it was started in.

#include <string>

#include "cgroup/layout.h"

namespace strata::cgroup {

std::string default_cgroups_path(const std::string& id);
// The absolute directory of the container's cgroup in hierarchy `h`.
std::string cgroup_dir(const Hierarchy& h, const std::string& cgroups_path);

}  // namespace strata::cgroup
