#pragma once
// bpf(2) for cgroup device programs: load, attach to a cgroup, detach.

#include <linux/bpf.h>

#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace strata::sys {

// Loads a BPF_PROG_TYPE_CGROUP_DEVICE program; the verifier's log is part of the error.
Result<UniqueFd> load_device_program(const std::vector<bpf_insn>& prog);
// Attaches `prog` to the cgroup dir `cgroup_fd` (BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI), replacing
// `replace` (a prog fd) atomically when given.
Result<> attach_device_program(int cgroup_fd, int prog, int replace = -1);
// Detaches every device program attached to the cgroup (before a new one is attached by update).
Result<> detach_device_programs(int cgroup_fd);

}  // namespace strata::sys
