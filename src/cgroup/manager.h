#pragma once
// One container's cgroup, whatever the host's layout: create it, place processes in it, apply
// linux.resources, freeze it, read its usage, kill everything in it, remove it. v1/ (pure v1 and
// hybrid) and v2/ implement it; open_manager() picks one by probing the host.

#include <sys/types.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "cgroup/layout.h"
#include "cgroup/stats.h"
#include "spec/spec.h"

namespace strata::cgroup {

class Manager {
public:
    virtual ~Manager() = default;

    // mkdir in every hierarchy (parents too). Idempotent; the dirs it made are remembered so
    // destroy() removes exactly those.
    virtual Result<> create() = 0;
    // Validates and writes every field. A field this layout cannot express is an error naming it.
    virtual Result<> apply(const spec::Resources& r) = 0;
    virtual Result<> add_process(pid_t pid) = 0;
    // v2: an O_DIRECTORY fd for clone3(CLONE_INTO_CGROUP); -1 where that is not possible.
    virtual int clone_into_fd() const { return -1; }
    virtual Result<> set_frozen(bool frozen) = 0;
    virtual Result<bool> frozen() const = 0;
    virtual Result<std::vector<pid_t>> pids() const = 0;
    virtual Result<> kill_all(int signal) = 0;
    virtual Result<Stats> stats() const = 0;
    // An fd that polls readable when the OOM killer acts, and the running OOM-kill count.
    virtual Result<UniqueFd> oom_notifier() = 0;
    virtual Result<uint64_t> oom_kill_count() const = 0;
    // Removes the container's cgroup dirs (processes must be gone).
    virtual Result<> destroy() = 0;

    // Persisted in the container's state, so a later strata process (delete after a crash
    // included) finds the same directories.
    virtual nlohmann::json to_json() const = 0;
    virtual Mode mode() const = 0;
};

// The manager for a new container: `cgroups_path` from linux.cgroupsPath (absolute: from each
// hierarchy's root; relative: see path.h), or "" for the default strata/<id>.
Result<std::unique_ptr<Manager>> new_manager(const std::string& cgroups_path, const std::string& id);
// The manager recorded in a container's state.
Result<std::unique_ptr<Manager>> load_manager(const nlohmann::json& saved);

}  // namespace strata::cgroup
