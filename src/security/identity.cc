#include "security/identity.h"

#include "security/caps.h"
#include "security/user.h"
#include "sys/process.h"

namespace strata::security {

Result<> assume_identity(const spec::Process& proc, std::vector<std::string>* skipped) {
    int last_cap = kernel_last_cap();
    CapSets caps;
    if (proc.capabilities) caps = STRATA_TRY(resolve(*proc.capabilities, last_cap, skipped));
    STRATA_TRY(apply_bounding(caps.bounding, last_cap));
    STRATA_TRY(keep_caps(true));
    STRATA_TRY(switch_user(proc.user));
    STRATA_TRY(keep_caps(false));
    STRATA_TRY(apply(caps, last_cap));
    if (proc.no_new_privileges) STRATA_TRY(sys::set_no_new_privs());
    return {};
}

}  // namespace strata::security
