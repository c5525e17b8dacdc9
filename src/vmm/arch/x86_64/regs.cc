#include "vmm/arch/x86_64/regs.h"

#include <cstring>

#include "vmm/arch/x86_64/gdt.h"
#include "vmm/memory/layout.h"

namespace strata::vmm::x86 {
namespace {

constexpr uint64_t cr0_pe = 1u << 0, cr0_et = 1u << 4, cr0_ne = 1u << 5, cr0_pg = 1u << 31;
constexpr uint64_t cr4_pae = 1u << 5;
constexpr uint64_t efer_lme = 1u << 8, efer_lma = 1u << 10;

constexpr uint32_t msr_sysenter_cs = 0x174, msr_sysenter_esp = 0x175, msr_sysenter_eip = 0x176;
constexpr uint32_t msr_star = 0xc0000081, msr_lstar = 0xc0000082, msr_cstar = 0xc0000083;
constexpr uint32_t msr_syscall_mask = 0xc0000084, msr_kernel_gs_base = 0xc0000102;
constexpr uint32_t msr_misc_enable = 0x1a0, msr_mtrr_def_type = 0x2ff;
constexpr uint64_t misc_enable_fast_string = 1;
constexpr uint64_t mtrr_enable = 1u << 11, mtrr_type_wb = 6;

constexpr uint32_t apic_lvt0 = 0x350, apic_lvt1 = 0x360;
constexpr uint32_t delivery_extint = 7u << 8, delivery_nmi = 4u << 8;

}  // namespace

void set_boot_sregs(kvm_sregs& s, EntryMode mode) {
    const auto gdt = boot_gdt();
    const bool lm = mode == EntryMode::long64;
    s.cs = segment_from_gdt(gdt[(lm ? code64_selector : code32_selector) >> 3],
                            lm ? code64_selector : code32_selector);
    s.ds = s.es = s.fs = s.gs = s.ss = segment_from_gdt(gdt[data_selector >> 3], data_selector);
    s.tr = segment_from_gdt(gdt[tss_selector >> 3], tss_selector);
    s.ldt = kvm_segment{};
    s.ldt.unusable = 1;
    s.gdt.base = layout::gdt;
    s.gdt.limit = static_cast<uint16_t>(sizeof(uint64_t) * gdt.size() - 1);
    s.idt.base = 0;
    s.idt.limit = 0;  // the kernel installs its own before enabling interrupts
    if (lm) {
        s.cr0 = cr0_pe | cr0_et | cr0_ne | cr0_pg;
        s.cr3 = layout::pml4;
        s.cr4 = cr4_pae;
        s.efer = efer_lme | efer_lma;
    } else {
        s.cr0 = cr0_pe | cr0_et | cr0_ne;
        s.cr3 = 0;
        s.cr4 = 0;
        s.efer = 0;
    }
}

kvm_regs boot_regs(EntryMode mode, uint64_t entry, uint64_t boot_info) {
    kvm_regs r{};
    r.rip = entry;
    r.rflags = 0x2;  // bit 1 is reserved-as-one; IF clear
    r.rsp = r.rbp = layout::boot_stack_top;
    if (mode == EntryMode::long64)
        r.rsi = boot_info;
    else
        r.rbx = boot_info;
    return r;
}

kvm_fpu boot_fpu() {
    kvm_fpu f{};
    f.fcw = 0x37f;
    f.mxcsr = 0x1f80;
    return f;
}

std::vector<kvm_msr_entry> boot_msrs() {
    auto msr = [](uint32_t index, uint64_t data) {
        kvm_msr_entry e{};
        e.index = index;
        e.data = data;
        return e;
    };
    return {
        msr(msr_sysenter_cs, 0),    msr(msr_sysenter_esp, 0),   msr(msr_sysenter_eip, 0),
        msr(msr_star, 0),           msr(msr_lstar, 0),          msr(msr_cstar, 0),
        msr(msr_syscall_mask, 0),   msr(msr_kernel_gs_base, 0),
        msr(msr_misc_enable, misc_enable_fast_string),
        msr(msr_mtrr_def_type, mtrr_enable | mtrr_type_wb),
    };
}

void set_virtual_wire(kvm_lapic_state& lapic, bool bsp) {
    constexpr uint32_t masked = 1u << 16;
    auto set_delivery = [&](uint32_t reg, uint32_t mode, bool mask) {
        uint32_t v;
        std::memcpy(&v, lapic.regs + reg, sizeof v);
        v = (v & ~(7u << 8) & ~masked) | mode | (mask ? masked : 0);  // delivery mode: bits 8-10
        std::memcpy(lapic.regs + reg, &v, sizeof v);
    };
    set_delivery(apic_lvt0, delivery_extint, !bsp);
    set_delivery(apic_lvt1, delivery_nmi, false);
}

}  // namespace strata::vmm::x86
