#pragma once
// The OCI operations on an existing container: state, start, kill, delete, and run (create +
// start + wait + delete).

#include <string>

#include "base/result.h"
#include "runtime/container_dir.h"
#include "runtime/create.h"
#include "runtime/state.h"

namespace strata::runtime {

// The status as it is now: a dead or recycled pid is "stopped", a frozen cgroup is "paused".
Status current_status(const State& s);

Result<nlohmann::json> state(const std::string& root, const std::string& id);
Result<> pause(const std::string& root, const std::string& id);
Result<> resume(const std::string& root, const std::string& id);
// The container's processes (host pids), from its cgroup.
Result<std::vector<pid_t>> processes(const std::string& root, const std::string& id);
Result<> start(const std::string& root, const std::string& id);
Result<> kill(const std::string& root, const std::string& id, int signal, bool all);
Result<> remove(const std::string& root, const std::string& id, bool force);
// Runs the poststart hooks of the container's saved config (failures are warnings).
void run_poststart(const ContainerDir& dir, const State& s);

// Releases what a stopped container still holds on the host (owned mounts and paths; its cgroup)
// and removes its state directory.
Result<> release(ContainerDir& dir, const State& s);

struct RunOptions {
    CreateOptions create;
    bool detach = false;
    bool keep = false;  // do not delete after the process exits (runc --keep)
    // Foreground: orphans of the container (bare substrate, no pid namespace: a double fork) are
    // reparented to `strata run`, which reaps them, instead of to the host's init (runc does the
    // same; --no-subreaper turns it off).
    bool subreaper = true;
};
// Foreground: returns the container's exit status (128+N for a signal). Detached: 0.
Result<int> run(const RunOptions& opts);

}  // namespace strata::runtime
