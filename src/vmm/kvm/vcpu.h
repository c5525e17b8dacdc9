#pragma once
// Vcpu: one KVM vCPU fd and its mmap'd kvm_run area, with typed access to its register state.

#include <linux/kvm.h>
#include <signal.h>

#include <cstdint>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "sys/mapping.h"

namespace strata::vmm::kvm {

class Vcpu {
public:
    Vcpu(uint32_t id, UniqueFd fd, sys::Mapping run)
        : m_id(id), m_fd(std::move(fd)), m_run(std::move(run)) {}

    uint32_t id() const { return m_id; }
    kvm_run* run_data() const { return reinterpret_cast<kvm_run*>(m_run.data()); }

    // KVM_RUN until the next exit that needs the VMM. Fails with EINTR when kicked by a signal;
    // the caller decides whether that means stop.
    Result<> run();
    // The signal mask KVM_RUN runs under, so a kick signal blocked in user space still
    // interrupts the guest (see machine.cc).
    Result<> set_signal_mask(const sigset_t& mask);

    Result<kvm_regs> regs() const;
    Result<> set_regs(const kvm_regs& regs);
    Result<kvm_sregs> sregs() const;
    Result<> set_sregs(const kvm_sregs& sregs);
    Result<> set_fpu(const kvm_fpu& fpu);
    // KVM_SET_MSRS; the error names the first MSR KVM refused.
    Result<> set_msrs(const std::vector<kvm_msr_entry>& msrs);
    Result<> set_cpuid(const std::vector<kvm_cpuid_entry2>& entries);
    Result<kvm_lapic_state> lapic() const;
    Result<> set_lapic(const kvm_lapic_state& state);

private:
    std::string what(const char* request) const;

    uint32_t m_id;
    UniqueFd m_fd;
    sys::Mapping m_run;
};

}  // namespace strata::vmm::kvm
