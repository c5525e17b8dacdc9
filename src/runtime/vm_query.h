#pragma once
// Questions to a running micro-VM container's guest (vm/protocol/guest_query.h), asked through
// its monitor's exec socket: what `ps` and `events` report for the vm substrate, where the host
// cgroup holds only the VM's monitor and QEMU.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "runtime/state.h"
#include "vm/protocol/guest_query.h"

namespace strata::runtime {

// Whether container `id` runs on the vm substrate.
Result<bool> is_vm(const std::string& root, const std::string& id);

// The workload's processes in the guest, with the guest's pids (its main process is 1).
Result<std::vector<vm::agent::GuestProcess>> guest_processes(const std::string& root, const std::string& id);

// runc's stats "data" for the workload, from its cgroup in the guest, plus "vm": the VM's own
// cost on the host (the resident memory of the monitor and QEMU, summed from their VmRSS, and
// their count), which the guest cannot see.
Result<nlohmann::json> guest_stats(const std::string& state_dir, const State& s);

// The guest's count of OOM kills in the workload's cgroup (memory.events oom_kill).
Result<uint64_t> guest_oom_kills(const std::string& state_dir, const State& s);

}  // namespace strata::runtime
