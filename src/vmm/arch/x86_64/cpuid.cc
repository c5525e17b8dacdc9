#include "vmm/arch/x86_64/cpuid.h"

#include <cstring>

namespace strata::vmm::x86 {
namespace {

constexpr uint32_t kvm_signature_leaf = 0x40000000, kvm_features_leaf = 0x40000001;
constexpr uint32_t leaf1_ecx_hypervisor = 1u << 31, leaf1_edx_htt = 1u << 28;

}  // namespace

kvm_cpuid_entry2* find_cpuid(std::vector<kvm_cpuid_entry2>& entries, uint32_t function, uint32_t index) {
    for (auto& e : entries) {
        const bool indexed = e.flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
        if (e.function == function && (!indexed || e.index == index)) return &e;
    }
    return nullptr;
}

void adjust_cpuid(std::vector<kvm_cpuid_entry2>& entries, uint32_t index, uint32_t count) {
    for (auto& e : entries) {
        switch (e.function) {
        case 1:
            e.ebx = (e.ebx & 0x0000ffff) | (index << 24) | ((count & 0xff) << 16);
            e.ecx |= leaf1_ecx_hypervisor;
            if (count > 1)
                e.edx |= leaf1_edx_htt;
            else
                e.edx &= ~leaf1_edx_htt;
            break;
        case 0xb:
        case 0x1f:
            e.edx = index;
            break;
        default:
            break;
        }
    }

    kvm_cpuid_entry2* sig = find_cpuid(entries, kvm_signature_leaf);
    if (!sig) {
        entries.push_back(kvm_cpuid_entry2{});
        sig = &entries.back();
        sig->function = kvm_signature_leaf;
    }
    const char signature[12] = {'K', 'V', 'M', 'K', 'V', 'M', 'K', 'V', 'M', 0, 0, 0};
    std::memcpy(&sig->ebx, signature, 4);
    std::memcpy(&sig->ecx, signature + 4, 4);
    std::memcpy(&sig->edx, signature + 8, 4);
    if (sig->eax < kvm_features_leaf) sig->eax = kvm_features_leaf;
    if (!find_cpuid(entries, kvm_features_leaf)) {
        kvm_cpuid_entry2 features{};
        features.function = kvm_features_leaf;
        entries.push_back(features);
    }
}

}  // namespace strata::vmm::x86
