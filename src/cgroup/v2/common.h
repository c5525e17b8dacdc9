#pragma once
// cgroup v2 writes shared by the v2 manager and the unified part of a hybrid host.

#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "cgroup/devices.h"
#include "spec/spec.h"

namespace strata::cgroup::v2 {

// Replaces the device programs attached to `dir` with one enforcing `policy`.
Result<> apply_device_policy(const std::string& dir, const DevicePolicy& policy);
// hugetlb.<size>.max for each limit.
Result<> apply_hugetlb(const std::string& dir, const std::vector<spec::HugepageLimit>& limits);
// linux.resources.unified: each key is a file of the cgroup (no '/', no "..").
Result<> apply_unified(const std::string& dir, const std::map<std::string, std::string>& unified);
// Enables `controllers` in cgroup.subtree_control of every directory from `base` down to the
// parent of `dir`, so that `dir` gets their interface files.
Result<> enable_controllers(const std::string& base, const std::string& dir,
                            const std::vector<std::string>& controllers);

}  // namespace strata::cgroup::v2
