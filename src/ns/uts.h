#pragma once
// The names of a uts namespace given by path (a pod's: Podman's infra container, containerd's
// pod sandbox). A micro-VM cannot join a host namespace, so its guest takes the names instead:
// the workload then sees the pod's hostname, as a container that joins the namespace does.

#include <string>

#include "base/result.h"

namespace strata::ns {

struct UtsNames {
    std::string hostname, domainname;
};

// Enters the namespace at `path` with the calling thread, reads uname(2), and comes back. The
// errors name the path and the errno.
Result<UtsNames> uts_names_at(const std::string& path);

}  // namespace strata::ns
