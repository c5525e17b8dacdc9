#pragma once
// Per-process kernel attributes from the OCI process: personality, scheduling policy, I/O priority.

#include "base/result.h"
#include "spec/spec.h"

namespace strata::security {

Result<> apply_personality(const spec::Personality& p);
// sched_setattr for process.scheduler (needs CAP_SYS_NICE for real-time policies: call it before
// capabilities are dropped).
Result<> apply_scheduler(const spec::Scheduler& s);
Result<> apply_io_priority(const spec::IoPriority& p);

}  // namespace strata::security
