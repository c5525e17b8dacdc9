#pragma once
// The KVM ioctls whose argument ends in a flexible array (CPUID tables, MSR lists, the signal
// mask), spelled so that C++ sees the kernel's layout. Linux 6.1's uapi headers declare those
// arrays with __DECLARE_FLEX_ARRAY, whose empty struct is 1 byte in C++ (0 in C): in C++
// sizeof(struct kvm_cpuid2) is 12, not 8, so both the array offset and the ioctl numbers built
// from sizeof() are wrong (KVM answers EINVAL). Here the fixed headers are our own; the entries
// (kvm_cpuid_entry2, kvm_msr_entry) come from <linux/kvm.h> unchanged.

#include <linux/kvm.h>

#include <cstdint>

namespace strata::vmm::kvm::abi {

struct CpuidHeader {  // struct kvm_cpuid2 without its entries
    uint32_t nent;
    uint32_t padding;
};
struct MsrsHeader {  // struct kvm_msrs without its entries
    uint32_t nmsrs;
    uint32_t pad;
};
struct SignalMaskHeader {  // struct kvm_signal_mask without its sigset
    uint32_t len;
};

inline constexpr unsigned long get_supported_cpuid = _IOWR(KVMIO, 0x05, CpuidHeader);
inline constexpr unsigned long set_cpuid2 = _IOW(KVMIO, 0x90, CpuidHeader);
inline constexpr unsigned long set_msrs = _IOW(KVMIO, 0x89, MsrsHeader);
inline constexpr unsigned long set_signal_mask = _IOW(KVMIO, 0x8b, SignalMaskHeader);
// The numbers the kernel's C headers produce.
static_assert(get_supported_cpuid == 0xc008ae05 && set_cpuid2 == 0x4008ae90 &&
              set_msrs == 0x4008ae89 && set_signal_mask == 0x4004ae8b);

}  // namespace strata::vmm::kvm::abi
