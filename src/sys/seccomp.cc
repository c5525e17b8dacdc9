#include "sys/seccomp.h"

#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>

namespace strata::sys {
namespace {

long seccomp(unsigned op, unsigned flags, void* args) {
    // glibc 2.36 has no seccomp() wrapper.
    return ::syscall(SYS_seccomp, op, flags, args);
}

}  // namespace

Result<UniqueFd> seccomp_set_filter(std::span<const sock_filter> program, unsigned flags) {
    if (program.empty() || program.size() > BPF_MAXINSNS)
        return os_error(EINVAL, "load seccomp filter of " + std::to_string(program.size()) + " instructions");
    sock_fprog prog{static_cast<unsigned short>(program.size()), const_cast<sock_filter*>(program.data())};
    long rc = seccomp(SECCOMP_SET_MODE_FILTER, flags, &prog);
    if (rc < 0) {
        const int err = errno;
        return os_error(err, "load seccomp filter (flags " + std::to_string(flags) + ")" +
                                 (err == EACCES ? ": needs no_new_privs or CAP_SYS_ADMIN" : ""));
    }
    if (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) return UniqueFd(static_cast<int>(rc));
    return UniqueFd();
}

bool seccomp_flags_supported(unsigned flags) {
    return seccomp(SECCOMP_SET_MODE_FILTER, flags, nullptr) < 0 && errno == EFAULT;
}

bool seccomp_action_available(uint32_t action) {
    uint32_t a = action & SECCOMP_RET_ACTION_FULL;
    return seccomp(SECCOMP_GET_ACTION_AVAIL, 0, &a) == 0;
}

}  // namespace strata::sys
