#include "vmm/arch/x86_64/gdt.h"

namespace strata::vmm::x86 {

uint64_t gdt_entry(uint8_t access, uint8_t flags, uint32_t base, uint32_t limit) {
    return (uint64_t{limit} & 0xffff) | (uint64_t{base} & 0xffffff) << 16 | uint64_t{access} << 40 |
           (uint64_t{limit} >> 16 & 0xf) << 48 | uint64_t{flags & 0xfu} << 52 |
           (uint64_t{base} >> 24 & 0xff) << 56;
}

kvm_segment segment_from_gdt(uint64_t entry, uint16_t selector) {
    kvm_segment s{};
    s.base = (entry >> 16 & 0xffffff) | (entry >> 56 & 0xff) << 24;
    uint32_t limit = static_cast<uint32_t>((entry & 0xffff) | (entry >> 48 & 0xf) << 16);
    s.g = entry >> 55 & 1;
    // The hidden limit is in bytes: page-granular limits are scaled, the low 12 bits all ones.
    s.limit = s.g ? (limit << 12 | 0xfff) : limit;
    s.selector = selector;
    s.type = entry >> 40 & 0xf;
    s.s = entry >> 44 & 1;
    s.dpl = entry >> 45 & 3;
    s.present = entry >> 47 & 1;
    s.avl = entry >> 52 & 1;
    s.l = entry >> 53 & 1;
    s.db = entry >> 54 & 1;
    s.unusable = s.present ? 0 : 1;
    return s;
}

std::array<uint64_t, 5> boot_gdt() {
    constexpr uint8_t code = 0x9b;  // present, DPL 0, code/data, execute/read, accessed
    constexpr uint8_t data = 0x93;  // present, DPL 0, code/data, read/write, accessed
    constexpr uint8_t tss = 0x8b;   // present, system, busy 32/64-bit TSS
    constexpr uint8_t g_db = 0xc, g_l = 0xa;
    return {
        0,
        gdt_entry(code, g_db, 0, 0xfffff),
        gdt_entry(code, g_l, 0, 0xfffff),
        gdt_entry(data, g_db, 0, 0xfffff),
        gdt_entry(tss, 0, 0, 0x67),
    };
}

}  // namespace strata::vmm::x86
