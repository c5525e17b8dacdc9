#include "security/identity.h"

#include "security/caps.h"
#include "security/user.h"
#include "sys/process.h"

namespace strata::security {

Result<> assume_identity(const spec::Process& proc, std::vector<std::string>* skipped) {
    CapSets caps;
    if (proc.capabilities) caps = STRATA_TRY(resolve(*proc.capabilities, kernel_last_cap(), skipped));
    return assume_identity(proc, caps);
}

Result<> assume_identity(const spec::Process& proc, const CapSets& resolved) {
    int last_cap = kernel_last_cap();
    uint64_t known = last_cap >= 63 ? ~0ULL : (1ULL << (last_cap + 1)) - 1;
    CapSets caps = resolved;
    for (uint64_t* set : {&caps.bounding, &caps.effective, &caps.permitted, &caps.inheritable, &caps.ambient}) *set &= known;
    STRATA_TRY(apply_bounding(caps.bounding, last_cap));
    STRATA_TRY(keep_caps(true));
    STRATA_TRY(switch_user(proc.user));
    STRATA_TRY(keep_caps(false));
    STRATA_TRY(apply(caps, last_cap));
    if (proc.no_new_privileges) STRATA_TRY(sys::set_no_new_privs());
    return {};
}

}  // namespace strata::security
