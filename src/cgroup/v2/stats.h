#pragma once
// Usage numbers from cgroup v2 files, read through `read` (name -> the file's text, nullopt if
// it has none): the host's cgroup directory, or the files a micro-VM's guest sent for its
// workload's cgroup (vm/protocol/guest_query.h).

#include <functional>
#include <optional>
#include <string>

#include "cgroup/stats.h"

namespace strata::cgroup::v2 {

using FileSource = std::function<std::optional<std::string>(const std::string& name)>;
Stats stats_from(const FileSource& read);

}  // namespace strata::cgroup::v2
