#pragma once
// The boot GDT and the matching hidden segment state KVM wants in kvm_sregs: KVM does not read
// the GDT in memory when registers are set, so both must agree by construction.

#include <linux/kvm.h>

#include <array>
#include <cstdint>

namespace strata::vmm::x86 {

// Selectors of the boot GDT. 0x10/0x18 are what Linux's boot protocol calls __BOOT_CS/__BOOT_DS.
inline constexpr uint16_t code32_selector = 0x08;  // PVH entry (32-bit protected mode)
inline constexpr uint16_t code64_selector = 0x10;
inline constexpr uint16_t data_selector = 0x18;
inline constexpr uint16_t tss_selector = 0x20;

// A descriptor from its access byte (P, DPL, S, type), flags nibble (G, D/B, L, AVL), base and
// limit, in the bit layout of the Intel SDM vol. 3, 3.4.5.
uint64_t gdt_entry(uint8_t access, uint8_t flags, uint32_t base, uint32_t limit);
// The kvm_segment a CPU would load from `entry` with `selector`.
kvm_segment segment_from_gdt(uint64_t entry, uint16_t selector);

// null, flat 32-bit code, flat 64-bit code, flat data, a 0x68-byte busy TSS at 0.
std::array<uint64_t, 5> boot_gdt();

}  // namespace strata::vmm::x86
