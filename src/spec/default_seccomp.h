#pragma once
// The seccomp profile `strata spec` writes: in effect the one Docker and Podman ship (an
// allow-list; everything else fails with EPERM, and syscalls newer than the list with ENOSYS).
// One deliberate difference: ptrace, process_vm_readv/writev stay denied without CAP_SYS_PTRACE,
// where Docker allows them on kernels >= 4.8 (see default_seccomp.cc).

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace strata::spec {

// The linux.seccomp object. Docker's capability-conditional rules are resolved against
// `capabilities` (the process's bounding set): e.g. mount and unshare are allowed only with
// CAP_SYS_ADMIN, and clone without it may not create namespaces.
nlohmann::json default_seccomp_profile(const std::vector<std::string>& capabilities);

}  // namespace strata::spec
