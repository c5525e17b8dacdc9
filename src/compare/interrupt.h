#pragma once
// An interrupted `strata compare` leaves nothing behind. The measurement runs in a child of its
// own process group; the command's own process only waits for it. On SIGINT, SIGTERM, SIGHUP or
// SIGQUIT it kills that group (the runtimes' CLIs in flight, bare QEMU instances), deletes every
// instance the columns' runtimes still list under the work directory (monitors and their VMs,
// crun's and runc's containers, which live outside the group), removes the work directory
// unless it is to be kept, and exits 128 + the signal.

#include <functional>
#include <string>
#include <vector>

#include "base/result.h"
#include "compare/columns.h"

namespace strata::compare {

// In the child, returns what `measure` returns (the caller goes on as the command would, and
// prints it). In the waiting process, returns the child's exit status, or 128 + the signal.
Result<int> run_interruptible(const std::vector<Column>& columns, const std::string& work_dir, bool keep_work_dir,
                              const std::function<Result<int>()>& measure);

}  // namespace strata::compare
