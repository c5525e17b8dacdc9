#pragma once
// The workload's cgroup inside the guest: cgroup v2 (the guest kernel has no v1), one cgroup
// /sys/fs/cgroup/workload with the limits of linux.resources. The VM's own size (vCPUs, memory)
// is the hard boundary; these limits shape the workload inside it as they would on a host.

#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "spec/spec.h"

namespace strata::agent {

inline constexpr const char* kRootCgroup = "/sys/fs/cgroup";
inline constexpr const char* kWorkloadCgroup = "/sys/fs/cgroup/workload";

// The cgroup v2 file writes for `r` ({"memory.max", "268435456"}, ...), in order. Pure.
std::vector<std::pair<std::string, std::string>> cgroup_v2_writes(const spec::Resources& r);

// Creates the workload's cgroup at `dir` (a pod VM's further container has one of its own),
// enables the controllers it needs and writes the limits. Returns the cgroup's directory fd (for
// clone3's CLONE_INTO_CGROUP), or an invalid fd when the guest has no cgroup2 mount or, unless
// `always`, the config sets no limits.
Result<UniqueFd> make_workload_cgroup(const spec::Spec& spec, std::vector<std::string>& warnings,
                                      const std::string& dir = kWorkloadCgroup, bool always = false);

}  // namespace strata::agent
