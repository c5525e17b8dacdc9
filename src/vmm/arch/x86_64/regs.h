#pragma once
// vCPU state at the kernel's first instruction: long mode for Linux's 64-bit boot protocol, or
// flat 32-bit protected mode for a PVH entry. Pure functions over KVM's structs.

#include <linux/kvm.h>

#include <cstdint>
#include <vector>

namespace strata::vmm::x86 {

enum class EntryMode {
    long64,  // 64-bit boot protocol: paging on (identity map), RSI = zero page
    pvh32,   // PVH: protected mode, paging off, EBX = hvm_start_info
};

// Sets segments, GDT/IDT registers, CR0/CR3/CR4 and EFER in `sregs` (read from the vCPU first,
// so KVM's APIC base and the rest stay as they are).
void set_boot_sregs(kvm_sregs& sregs, EntryMode mode);
// General registers: RIP = entry, RSI or RBX = boot_info, a stack below the page tables.
kvm_regs boot_regs(EntryMode mode, uint64_t entry, uint64_t boot_info);
// x87 and SSE control words at their power-on defaults (FCW 0x37f, MXCSR 0x1f80).
kvm_fpu boot_fpu();
// MSRs firmware leaves initialised: syscall MSRs zeroed, fast strings on, MTRRs default
// write-back (without it Linux maps all of RAM uncached).
std::vector<kvm_msr_entry> boot_msrs();
// The MP spec's virtual wire mode, which BIOSes set up and Linux expects: LINT1 as NMI on every
// CPU, LINT0 as ExtINT (the PIC's output) on the boot CPU only, masked on the others.
void set_virtual_wire(kvm_lapic_state& lapic, bool bsp);

}  // namespace strata::vmm::x86
