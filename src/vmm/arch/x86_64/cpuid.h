#pragma once
// The CPUID table a vCPU sees: what KVM supports on this host (KVM_GET_SUPPORTED_CPUID), with the
// per-vCPU topology filled in and the KVM paravirtual leaves present, for KVM_SET_CPUID2.

#include <linux/kvm.h>

#include <cstdint>
#include <vector>

namespace strata::vmm::x86 {

// Adjusts `entries` for vCPU `index` of `count`:
// - leaf 1: initial APIC id, logical processor count, HTT when count > 1, the hypervisor bit;
// - leaves 0xb/0x1f: x2APIC id;
// - leaf 0x40000000: the "KVMKVMKVM" signature, so the guest finds kvm-clock and the other
//   paravirtual features of leaf 0x40000001 (added empty if KVM did not report it).
void adjust_cpuid(std::vector<kvm_cpuid_entry2>& entries, uint32_t index, uint32_t count);

// The entry for (function, index), or nullptr.
kvm_cpuid_entry2* find_cpuid(std::vector<kvm_cpuid_entry2>& entries, uint32_t function, uint32_t index = 0);

}  // namespace strata::vmm::x86
