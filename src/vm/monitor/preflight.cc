#include "vm/monitor/preflight.h"

#include "vm/backend/host.h"

namespace strata::vm {

Result<HostParts> find_host_parts(const VmPlan& plan, bool share) {
    HostParts p;
    p.choice = STRATA_TRY(choose_backend(host_virt(), plan.backend));
    p.kernel = STRATA_TRY(find_kernel(plan.kernel, share));
    p.agent = STRATA_TRY(find_agent());
    return p;
}

Result<> preflight(const spec::Spec& spec, const std::string& kernel_flag, const std::string& backend_flag, bool share) {
    VmPlan plan = STRATA_TRY(plan_vm(spec, kernel_flag, backend_flag));
    (void)STRATA_TRY(find_host_parts(plan, share));
    return {};
}

}  // namespace strata::vm
