#include "vm/monitor/preflight.h"

#include "vm/assets/assets.h"
#include "vm/backend/backend_select.h"
#include "vm/backend/host.h"
#include "vm/monitor/plan.h"

namespace strata::vm {

Result<> preflight(const spec::Spec& spec, const std::string& kernel_flag, const std::string& backend_flag, bool share) {
    VmPlan plan = STRATA_TRY(plan_vm(spec, kernel_flag, backend_flag));
    BackendChoice choice = STRATA_TRY(choose_backend(host_virt(), plan.backend));
    // The own VMM's refusal (vm/backend/own), said before the pod exists.
    if (share && choice.kind == BackendKind::own)
        return error("the own VMM has no file share yet, which a pod's bind mounts need: use org.strata.vm.backend=qemu");
    STRATA_TRY(find_kernel(plan.kernel, share));
    STRATA_TRY(find_agent());
    return {};
}

}  // namespace strata::vm
