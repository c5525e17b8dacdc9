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
    HostParts parts = STRATA_TRY(find_host_parts(plan, share));
    // The own VMM's refusal at launch (vm/backend/own), said before the pod exists.
    if (share && parts.choice.kind == BackendKind::own)
        return error("the own VMM has no file share yet, which a pod's bind mounts need: use org.strata.vm.backend=qemu");
    return {};
}

}  // namespace strata::vm
