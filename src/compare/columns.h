#pragma once
// The columns of the comparison: strata's three substrates and, where installed, the peers that
// do the same job (crun and runc for containers, plain QEMU microvm for VMs). A column knows how
// to start the workload in the foreground (exit status = the workload's) and detached.

#include <sys/types.h>

#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace strata::compare {

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
    bool private_v1_namespace = false;  // crun on hybrid hosts: a mount namespace without cgroup2
};

// Every column this machine can show, available or with the reason it is not.
std::vector<Column> make_columns(const std::string& strata_bin, const std::string& work_dir);

struct Spawned {
    pid_t pid = -1;
    UniqueFd out;  // the workload's stdout (and stderr)
};
// Starts argv (after {bundle}/{id} substitution) with stdout+stderr on a pipe and stdin from
// /dev/null.
Result<Spawned> spawn(const Column& c, const std::vector<std::string>& argv, const std::string& bundle,
                      const std::string& id);
// Runs argv to completion and returns its stdout.
Result<std::string> run_capture(const Column& c, const std::vector<std::string>& argv, const std::string& bundle,
                                const std::string& id);

}  // namespace strata::compare
