#pragma once
// The -ENOSYS stub runc puts in front of libseccomp's program. A syscall newer than every syscall
// a profile names was unknown when the profile was written: it gets ENOSYS ("this kernel has no
// such call") instead of the default action's EPERM, so libc falls back to the older call it
// replaces (clone3 -> clone, faccessat2 -> faccessat, fchmodat2 -> fchmodat) instead of failing.

#include <linux/filter.h>

#include <cstdint>
#include <vector>

namespace strata::security::seccomp {

struct ArchMax {
    uint32_t arch;    // libseccomp token (SCMP_ARCH_X86_64, SCMP_ARCH_X32, ...)
    uint32_t max_nr;  // the largest syscall number the profile names on that architecture
};

// `program` with the stub prepended. Architectures not listed go straight to `program`.
std::vector<sock_filter> prepend_enosys_stub(const std::vector<sock_filter>& program,
                                             const std::vector<ArchMax>& maxima);

}  // namespace strata::security::seccomp
