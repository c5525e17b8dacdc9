#pragma once
// The agent's answers to the host's queries (vm/protocol/guest_query.h): the workload's
// processes from the guest's /proc, in the workload's own pid numbering, and its usage from its
// cgroup v2 (or, for a workload without limits, which stays in the guest's root cgroup, the
// guest's figures: everything in the guest but the agent is the workload's).

#include <string>

#include "agent/workload.h"
#include "base/result.h"
#include "vm/protocol/guest_query.h"

namespace strata::agent {

Result<std::string> answer_query(const Workload& w, vm::agent::Query what);

}  // namespace strata::agent
