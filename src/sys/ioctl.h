#pragma once
// ioctl(2), for device fds such as /dev/kvm. `what` names the request and its object in errors
// ("KVM_SET_USER_MEMORY_REGION slot 0"); it is only turned into a string on failure, so these
// calls cost nothing extra on hot paths (KVM_RUN).

#include <string_view>

#include "base/result.h"

namespace strata::sys {

// ioctl with a pointer argument; returns the call's non-negative result. EINTR is returned, not
// retried: KVM_RUN reports a kick that way.
Result<int> ioctl(int fd, unsigned long request, void* arg, std::string_view what);
// ioctl with an integer argument (KVM_CREATE_VCPU id, KVM_CHECK_EXTENSION cap).
Result<int> ioctl_value(int fd, unsigned long request, unsigned long arg, std::string_view what);

}  // namespace strata::sys
