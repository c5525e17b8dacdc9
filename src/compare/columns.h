#pragma once
// The columns of the comparison: strata's three substrates and, where installed, the peers that
// do the same job (crun and runc for containers, plain QEMU microvm for VMs). A column knows how
// to start the workload in the foreground (exit status = the workload's) and detached.

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace strata::compare {

struct Spawned {
    pid_t pid = -1;
    UniqueFd out;  // the workload's stdout (and stderr)
};

enum class Group { bare, container, vm };
std::string_view group_name(Group g);

struct Column {
    std::string key;    // "bare", "container", "crun", "runc", "vm", "qemu"
    std::string title;  // "bare metal (strata)"
    Group group = Group::container;
    bool peer = false;
    bool available = true;
    std::string unavailable_reason;
    // `runtime --root ROOT` and what follows; {bundle} and {id} are filled in.
    std::vector<std::string> run;       // foreground run
    std::vector<std::string> detach;    // run -d
    std::vector<std::string> state;     // state {id}
    std::vector<std::string> remove;    // delete --force {id}
    std::vector<std::string> list;      // list -q: every instance under the column's root
    bool private_v1_namespace = false;  // crun on hybrid hosts: a mount namespace without cgroup2
    // A VMM run directly (the bare-QEMU baseline): argv comes from the bundle's probe arguments,
    // the foreground process is the instance itself, and its memory is the VMM's RSS (it has no
    // cgroup of its own).
    std::function<std::vector<std::string>(const std::string& bundle)> argv_for;
    // Or, where starting takes more than an argv (bare QEMU's restore talks QMP before its guest
    // runs): starts the instance for `bundle`, which then is the process returned.
    std::function<Result<Spawned>(const std::string& bundle)> launch;
    // The instance is the process started (a VMM run directly), not a runtime's container.
    bool direct() const { return argv_for || launch; }
};

// Every column this machine can show, available or with the reason it is not. `probe` is the
// workload binary (the bare-QEMU column boots it as a guest's init).
std::vector<Column> make_columns(const std::string& strata_bin, const std::string& work_dir, const std::string& probe);

// Starts argv (after {bundle}/{id} substitution) with stdout+stderr on a pipe and stdin from
// /dev/null.
Result<Spawned> spawn(const Column& c, const std::vector<std::string>& argv, const std::string& bundle,
                      const std::string& id);
// Runs argv to completion and returns its stdout.
Result<std::string> run_capture(const Column& c, const std::vector<std::string>& argv, const std::string& bundle,
                                const std::string& id);

}  // namespace strata::compare
