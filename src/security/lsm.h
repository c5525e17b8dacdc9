#pragma once
// Linux security modules: which one the host runs, and applying AppArmor profiles and SELinux
// labels to the process about to exec. Writes go to /proc/self/attr through a private procfs
// instance checked to be procfs (fstatfs), so nothing mounted over the container's /proc can
// redirect them (CVE-2019-16884, CVE-2025-52881).

#include <string>

#include "base/result.h"
#include "spec/spec.h"

namespace strata::security {

bool apparmor_enabled();
bool selinux_enabled();

// A config that asks for an LSM this host does not run is an error naming the field.
Result<> validate_lsm(const spec::Spec& spec, const std::string& file);

// Sets the AppArmor profile / SELinux label that the next execve switches to.
Result<> apply_exec_labels(const spec::Process& proc);

}  // namespace strata::security
