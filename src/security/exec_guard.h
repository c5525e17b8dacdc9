#pragma once
// Protection of the host's strata binary from containers (CVE-2019-5736): the container's
// command is exec'd through a tiny shim that runs from a sealed memfd, so no process inside the
// container ever has the host binary as /proc/<pid>/exe. Costs one memfd of ~1 KiB and one exec
// of a static binary with no dynamic loader (measured in bench/run-true.sh).

#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace strata::security {

class ExecGuard {
public:
    // Creates the sealed memfd (call before seccomp is loaded; memfd_create may be filtered).
    static Result<ExecGuard> create();
    // STRATA_UNSAFE_NO_EXEC_GUARD=1 turns the guard off (benchmarks measure its cost with it).
    static bool disabled();

    // Executes `path` with `argv`/`envp` through the shim. Returns only on failure.
    Result<> exec(const std::string& path, const std::vector<std::string>& argv,
                  const std::vector<std::string>& envp) const;

private:
    UniqueFd m_fd;
};

// Plain execve, for the guard-off case and for bare mode (no container to protect against).
Result<> exec_direct(const std::string& path, const std::vector<std::string>& argv,
                     const std::vector<std::string>& envp);

}  // namespace strata::security
