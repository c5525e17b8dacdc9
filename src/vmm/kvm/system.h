#pragma once
// System: the /dev/kvm fd. Checks the API version and the capabilities the VMM relies on, reports
// what the host supports (CPUID, vCPU mmap size) and creates VMs.

#include <linux/kvm.h>

#include <cstddef>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "vmm/kvm/vm.h"

namespace strata::vmm::kvm {

class System {
public:
    // Opens `path`, checks KVM_GET_API_VERSION == 12 and the required capabilities (irqchip,
    // ioeventfd, irqfd, user memory, TSS and identity-map addresses, extended CPUID); the error names
    // the first one missing.
    static Result<System> open(const std::string& path = "/dev/kvm");

    int fd() const { return m_fd.get(); }
    // KVM_CHECK_EXTENSION: 0 when unsupported, otherwise a capability-specific positive value.
    Result<int> check_extension(int cap) const;
    // KVM_GET_SUPPORTED_CPUID: every leaf KVM can expose to a guest on this host.
    Result<std::vector<kvm_cpuid_entry2>> supported_cpuid() const;
    // Size of the kvm_run area to mmap from a vCPU fd.
    Result<size_t> vcpu_mmap_size() const;
    Result<Vm> create_vm() const;

private:
    explicit System(UniqueFd fd) : m_fd(std::move(fd)) {}
    UniqueFd m_fd;
};

}  // namespace strata::vmm::kvm
