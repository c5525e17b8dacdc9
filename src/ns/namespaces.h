#pragma once
// Which namespaces a container creates and which it joins, in the order that works: a user
// namespace first (it owns the others), then the rest. Also the uid/gid map writing.

#include <sys/types.h>

#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "spec/spec.h"

namespace strata::ns {

struct Join {
    int type = 0;  // CLONE_NEW*
    std::string path;
    UniqueFd fd;
};

struct Plan {
    int create = 0;           // CLONE_NEW* flags of namespaces to create
    std::vector<Join> joins;  // namespaces to join by path, user first
    // Creating a user namespace while joining others needs an intermediate process (the joins
    // must happen before the new user namespace exists; the pid namespace must be created after
    // it so that it is owned by it).
    bool two_stage() const;
    bool creates(int flag) const { return (create & flag) != 0; }
    const Join* joined(int flag) const;
};

// Validates the namespace paths (each must be a namespace of the named type) and opens them.
Result<Plan> plan(const spec::Spec& spec);

// The flags clone3 can take directly in the single-stage case: everything new except cgroup
// (the child must be in its cgroup first) and time (the parent unshares it so offsets can be
// written before any process enters it).
int clone_flags(const Plan& p);

// Joins the planned namespaces of the given types (setns, in plan order).
Result<> join(const Plan& p, int types);

// Writes /proc/<pid>/{uid_map,gid_map}. Root on the host needs no setgroups "deny".
Result<> write_id_maps(pid_t pid, const std::vector<spec::IdMapping>& uids,
                       const std::vector<spec::IdMapping>& gids);
std::string format_id_map(const std::vector<spec::IdMapping>& maps);

// Sets up the time namespace for children of the caller: unshare(CLONE_NEWTIME) and offsets.
Result<> prepare_time_namespace(const std::map<std::string, spec::TimeOffset>& offsets);

// Brings up "lo" in the current (new) network namespace, as crun does.
Result<> loopback_up();

}  // namespace strata::ns
