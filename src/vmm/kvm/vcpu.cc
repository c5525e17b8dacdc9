#include "vmm/kvm/vcpu.h"

#include <cstring>

#include "sys/ioctl.h"
#include "vmm/kvm/abi.h"
#include "vmm/format.h"

namespace strata::vmm::kvm {

std::string Vcpu::what(const char* request) const {
    return std::string(request) + " vcpu " + std::to_string(m_id);
}

Result<> Vcpu::run() {
    // The one hot call: a string_view `what`, so no allocation unless it fails.
    STRATA_TRY(sys::ioctl_value(m_fd.get(), KVM_RUN, 0, "KVM_RUN"));
    return {};
}

Result<> Vcpu::set_signal_mask(const sigset_t& mask) {
    // The kernel's sigset is 8 bytes on x86-64, not glibc's 128.
    uint8_t buf[sizeof(abi::SignalMaskHeader) + 8];
    const abi::SignalMaskHeader h{8};
    std::memcpy(buf, &h, sizeof h);
    std::memcpy(buf + sizeof h, &mask, 8);
    STRATA_TRY(sys::ioctl(m_fd.get(), abi::set_signal_mask, buf, what("KVM_SET_SIGNAL_MASK")));
    return {};
}

Result<kvm_regs> Vcpu::regs() const {
    kvm_regs r{};
    STRATA_TRY(sys::ioctl(m_fd.get(), KVM_GET_REGS, &r, what("KVM_GET_REGS")));
    return r;
}

Result<> Vcpu::set_regs(const kvm_regs& regs) {
    kvm_regs r = regs;
    STRATA_TRY(sys::ioctl(m_fd.get(), KVM_SET_REGS, &r, what("KVM_SET_REGS")));
    return {};
}

Result<kvm_sregs> Vcpu::sregs() const {
    kvm_sregs s{};
    STRATA_TRY(sys::ioctl(m_fd.get(), KVM_GET_SREGS, &s, what("KVM_GET_SREGS")));
    return s;
}

Result<> Vcpu::set_sregs(const kvm_sregs& sregs) {
    kvm_sregs s = sregs;
    STRATA_TRY(sys::ioctl(m_fd.get(), KVM_SET_SREGS, &s, what("KVM_SET_SREGS")));
    return {};
}

Result<> Vcpu::set_fpu(const kvm_fpu& fpu) {
    kvm_fpu f = fpu;
    STRATA_TRY(sys::ioctl(m_fd.get(), KVM_SET_FPU, &f, what("KVM_SET_FPU")));
    return {};
}

Result<> Vcpu::set_msrs(const std::vector<kvm_msr_entry>& msrs) {
    std::vector<uint8_t> buf(sizeof(abi::MsrsHeader) + msrs.size() * sizeof(kvm_msr_entry));
    const abi::MsrsHeader h{static_cast<uint32_t>(msrs.size()), 0};
    std::memcpy(buf.data(), &h, sizeof h);
    std::memcpy(buf.data() + sizeof h, msrs.data(), msrs.size() * sizeof(kvm_msr_entry));
    int n = STRATA_TRY(sys::ioctl(m_fd.get(), abi::set_msrs, buf.data(), what("KVM_SET_MSRS")));
    // KVM stops at the first MSR it refuses and returns how many it set.
    if (n < static_cast<int>(msrs.size()))
        return os_error(EINVAL, what("KVM_SET_MSRS") + ": MSR " + hex(msrs[static_cast<size_t>(n)].index) +
                                    " refused");
    return {};
}

Result<> Vcpu::set_cpuid(const std::vector<kvm_cpuid_entry2>& entries) {
    std::vector<uint8_t> buf(sizeof(abi::CpuidHeader) + entries.size() * sizeof(kvm_cpuid_entry2));
    const abi::CpuidHeader h{static_cast<uint32_t>(entries.size()), 0};
    std::memcpy(buf.data(), &h, sizeof h);
    std::memcpy(buf.data() + sizeof h, entries.data(), entries.size() * sizeof(kvm_cpuid_entry2));
    STRATA_TRY(sys::ioctl(m_fd.get(), abi::set_cpuid2, buf.data(), what("KVM_SET_CPUID2")));
    return {};
}

Result<kvm_lapic_state> Vcpu::lapic() const {
    kvm_lapic_state s{};
    STRATA_TRY(sys::ioctl(m_fd.get(), KVM_GET_LAPIC, &s, what("KVM_GET_LAPIC")));
    return s;
}

Result<> Vcpu::set_lapic(const kvm_lapic_state& state) {
    kvm_lapic_state s = state;
    STRATA_TRY(sys::ioctl(m_fd.get(), KVM_SET_LAPIC, &s, what("KVM_SET_LAPIC")));
    return {};
}

}  // namespace strata::vmm::kvm
