#pragma once
// Starting the user's process, shared by the container init, bare mode and `exec`: resolve the
// executable and environment, enter the cwd safely, then confine (capabilities, user, no_new_privs,
// seccomp last) and exec through the exec guard.

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "security/exec_guard.h"
#include "security/seccomp/filter.h"
#include "spec/spec.h"

namespace strata::runtime {

struct Launch {
    std::string executable;
    std::vector<std::string> env;
    std::optional<security::ExecGuard> guard;
    int preserve_fds = 0;  // fds 3 .. 3+n-1 are passed on
};

// Inside the container (after pivot_root or setns): executable, env (HOME from /etc/passwd when
// unset), cwd, and the exec guard.
Result<Launch> prepare_in_container(const spec::Process& proc, int preserve_fds);
// Bare mode: the rootfs supplies the program and the cwd; the process sees the host.
Result<Launch> prepare_bare(const spec::Process& proc, const std::string& rootfs, int preserve_fds);

// What confines the process beyond its spec::Process.
struct Confinement {
    const security::seccomp::Program* seccomp = nullptr;  // compiled by the parent
    int reply_fd = -1;                                    // where a seccomp notify fd goes (exec_wait.h)
    const spec::Personality* personality = nullptr;
};

// The irreversible steps, then exec; returns only on failure. The seccomp filter is loaded last
// so that it confines the process, not the runtime.
Result<> confine_and_exec(const spec::Process& proc, const Confinement& c, Launch& launch);
// Bare mode: only the user switch and no_new_privs.
Result<> exec_bare(const spec::Process& proc, Launch& launch);

}  // namespace strata::runtime
