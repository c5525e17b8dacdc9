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
#include "sys/process.h"

namespace strata::cgroup {

class Manager {
public:
    virtual ~Manager() = default;

    // mkdir in every hierarchy (parents too). Idempotent; the dirs it made are remembered so
    // destroy() removes exactly those.
    virtual Result<> create() = 0;
    // Validates and writes every field. A field this layout cannot express is an error naming it.
    virtual Result<> apply(const spec::Resources& r) = 0;
    // Moves a process in from outside (`exec`, and create's fallback). Writing a pid to
    // cgroup.procs takes the kernel's global threadgroup lock for writing, which waits for an RCU
    // grace period: 10-15 ms here whenever no cgroup migration happened in the last few ms.
    virtual Result<> add_process(pid_t pid) = 0;

    // How a new process joins without that lock (create): it is cloned straight into the cgroup2
    // directory (clone3 CLONE_INTO_CGROUP), and moves its own single thread into the v1
    // hierarchies by writing "0" to their `tasks` files — a thread moving itself is exempt.
    // create_for_clone() makes the cgroup2 directory (v2; hybrid's unified hierarchy) before
    // the clone and returns its O_DIRECTORY fd, or -1 if there is none (for a manager loaded from
    // a container's state, it only opens the existing directory). self_join_files() are
    // the `tasks` files (opened for writing) the new process writes "0" to.
    virtual Result<int> create_for_clone() { return -1; }
    virtual Result<std::vector<UniqueFd>> self_join_files() { return std::vector<UniqueFd>{}; }
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
    // One rmdir per dir, no listing, no waiting: true when all are gone. The common end of a
    // container (its init reaped, nothing else left) needs no more; false (a dir still busy with
    // a stray or a sub-cgroup) leaves the rest to pids(), kill_all() and destroy().
    virtual bool remove_if_empty() = 0;

    // Persisted in the container's state, so a later strata process (delete after a crash
    // included) finds the same directories.
    virtual nlohmann::json to_json() const = 0;
    virtual Mode mode() const = 0;
};

// A new process born in `m`'s cgroup: create_for_clone(), then clone3 (fork-like, returns twice)
// with CLONE_INTO_CGROUP when there is a cgroup2 directory. A kernel that refuses gets a plain
// clone3 and `self_join` false.
struct Clone {
    Result<sys::Child> child;  // as sys::clone3: pid 0 in the child
    bool self_join = true;
};
Result<Clone> clone_into(Manager& m, sys::CloneArgs args);
// After clone_into, in the parent: the `tasks` files to pass the new process, which joins them
// with join_self(); after the fallback clone, the process is moved with add_process() instead and
// there are none.
Result<std::vector<UniqueFd>> admit(Manager& m, const Clone& c, pid_t pid);

// The joining side of self_join_files(): the calling process, single-threaded, writes "0" to
// each file. Errors name the file.
Result<> join_self(const std::vector<UniqueFd>& tasks_files);

// The manager for a new container: `cgroups_path` from linux.cgroupsPath (absolute: from each
// hierarchy's root; relative: see path.h), or "" for the default strata/<id>.
Result<std::unique_ptr<Manager>> new_manager(const std::string& cgroups_path, const std::string& id);
// The manager recorded in a container's state.
Result<std::unique_ptr<Manager>> load_manager(const nlohmann::json& saved);

}  // namespace strata::cgroup
