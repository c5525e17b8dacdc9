#pragma once
// seccomp(2): loading a BPF filter into the calling thread, and probing what the kernel supports.

#include <linux/filter.h>

#include <cstdint>
#include <span>

#include "base/result.h"
#include "base/unique_fd.h"

namespace strata::sys {

// SECCOMP_SET_MODE_FILTER with `flags` (SECCOMP_FILTER_FLAG_*). Needs no_new_privs or
// CAP_SYS_ADMIN. With SECCOMP_FILTER_FLAG_NEW_LISTENER the result is the notify fd; otherwise it
// is an invalid UniqueFd.
Result<UniqueFd> seccomp_set_filter(std::span<const sock_filter> program, unsigned flags);

// True if this kernel accepts `flags` for SECCOMP_SET_MODE_FILTER. Probes without loading
// anything: the kernel checks the flags before it reads the (here null) program, so a known
// flag set fails with EFAULT and an unknown one with EINVAL.
bool seccomp_flags_supported(unsigned flags);

// True if the kernel knows the filter return action `action` (SECCOMP_RET_*, data bits ignored).
bool seccomp_action_available(uint32_t action);

}  // namespace strata::sys
