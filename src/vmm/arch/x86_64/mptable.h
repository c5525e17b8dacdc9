#pragma once
// An Intel MultiProcessor Specification 1.4 table: how a kernel without ACPI learns about the
// application processors, the IOAPIC and how ISA interrupts are wired. Linux looks for its
// floating pointer in the last KiB of conventional memory (layout::mptable).

#include <cstdint>
#include <vector>

#include "base/result.h"

namespace strata::vmm::x86 {

// Most vCPUs whose entries fit the 1 KiB below 640 KiB with the fixed entries.
inline constexpr uint32_t mptable_max_vcpus = 32;
// IOAPIC inputs described (KVM's IOAPIC has 24).
inline constexpr uint32_t ioapic_pins = 24;

// The floating pointer followed by the configuration table, to be written at `gpa`: one CPU
// entry per vCPU (APIC id = index, the first is the BSP), an ISA bus, the IOAPIC, ISA IRQ n on
// IOAPIC pin n for every pin (KVM's default GSI routing), LINT0 ExtINT and LINT1 NMI.
Result<std::vector<uint8_t>> build_mptable(uint32_t vcpus, uint64_t gpa);

}  // namespace strata::vmm::x86
