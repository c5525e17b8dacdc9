// Unit tests of the x86-64 boot state: zero page, e820, page tables, GDT, MP table, CPUID.

#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <numeric>

#include "vmm/arch/x86_64/cpuid.h"
#include "vmm/arch/x86_64/e820.h"
#include "vmm/arch/x86_64/gdt.h"
#include "vmm/arch/x86_64/mptable.h"
#include "vmm/arch/x86_64/page_tables.h"
#include "vmm/arch/x86_64/regs.h"
#include "vmm/arch/x86_64/zero_page.h"
#include "vmm/memory/layout.h"

namespace strata::vmm::x86 {
namespace {

using layout::GiB;
using layout::MiB;

// The offsets Documentation/x86/zero-page.rst and boot.rst give, checked against the struct we
// fill: a header change that moved them would break every kernel.
static_assert(sizeof(boot_params) == 4096);
static_assert(offsetof(boot_params, ext_ramdisk_image) == 0x0c0);
static_assert(offsetof(boot_params, ext_cmd_line_ptr) == 0x0c8);
static_assert(offsetof(boot_params, e820_entries) == 0x1e8);
static_assert(offsetof(boot_params, hdr) == 0x1f1);
static_assert(offsetof(boot_params, hdr) + offsetof(setup_header, header) == 0x202);
static_assert(offsetof(boot_params, hdr) + offsetof(setup_header, type_of_loader) == 0x210);
static_assert(offsetof(boot_params, hdr) + offsetof(setup_header, cmd_line_ptr) == 0x228);
static_assert(offsetof(boot_params, e820_table) == 0x2d0);

TEST(E820, SmallGuest) {
    auto map = build_e820(64 * MiB);
    ASSERT_EQ(map.size(), 3u);
    EXPECT_EQ(map[0], (E820Entry{0, 0x9fc00, E820Type::ram}));
    EXPECT_EQ(map[1], (E820Entry{0x9fc00, 0x400, E820Type::reserved}));
    EXPECT_EQ(map[2], (E820Entry{MiB, 63 * MiB, E820Type::ram}));
}

TEST(E820, RamAboveTheMmioHoleContinuesAt4GiB) {
    auto map = build_e820(5 * GiB);
    ASSERT_EQ(map.size(), 4u);
    EXPECT_EQ(map[2], (E820Entry{MiB, 3 * GiB - MiB, E820Type::ram}));
    EXPECT_EQ(map[3], (E820Entry{4 * GiB, 2 * GiB, E820Type::ram}));
    uint64_t ram = 0;
    for (const auto& e : map)
        if (e.type == E820Type::ram) ram += e.size;
    EXPECT_EQ(ram, 5 * GiB - (MiB - 0x9fc00)) << "only the legacy hole below 1 MiB is lost";
}

TEST(ZeroPage, CopiesTheHeaderAndFillsTheLoaderFields) {
    std::vector<uint8_t> hdr(0x26c - 0x1f1, 0);
    hdr[0] = 7;                                 // setup_sects
    std::memcpy(&hdr[0x202 - 0x1f1], "HdrS", 4);
    hdr[0x206 - 0x1f1] = 0x0f, hdr[0x207 - 0x1f1] = 0x02;  // version 2.15
    hdr[0x211 - 0x1f1] = 0x20;                  // QUIET_FLAG from the image must survive
    auto e820 = build_e820(128 * MiB);
    ZeroPageParams p;
    p.setup_header = hdr;
    p.cmdline_gpa = 0x20000;
    p.cmdline_size = 11;
    p.initrd_gpa = 0x1'2345'6000;
    p.initrd_size = 0x1'0000'0001;
    p.e820 = e820;
    auto bp = build_zero_page(p);
    ASSERT_TRUE(bp) << bp.error().message();
    EXPECT_EQ(bp->hdr.setup_sects, 7);
    EXPECT_EQ(bp->hdr.version, 0x020f);
    EXPECT_EQ(bp->hdr.type_of_loader, 0xff);
    EXPECT_EQ(bp->hdr.loadflags, 0x20 | LOADED_HIGH | CAN_USE_HEAP);
    EXPECT_EQ(bp->hdr.cmd_line_ptr, 0x20000u);
    EXPECT_EQ(bp->ext_cmd_line_ptr, 0u);
    EXPECT_EQ(bp->hdr.cmdline_size, 11u);
    EXPECT_EQ(bp->hdr.ramdisk_image, 0x2345'6000u);
    EXPECT_EQ(bp->ext_ramdisk_image, 1u);
    EXPECT_EQ(bp->hdr.ramdisk_size, 1u);
    EXPECT_EQ(bp->ext_ramdisk_size, 1u);
    ASSERT_EQ(bp->e820_entries, e820.size());
    EXPECT_EQ(bp->e820_table[2].addr, MiB);
    EXPECT_EQ(bp->e820_table[2].size, 127 * MiB);
    EXPECT_EQ(bp->e820_table[1].type, 2u);
}

TEST(ZeroPage, ElfKernelsGetASynthesisedHeader) {
    ZeroPageParams p;
    auto bp = build_zero_page(p);
    ASSERT_TRUE(bp);
    EXPECT_EQ(bp->hdr.boot_flag, 0xaa55);
    EXPECT_EQ(bp->hdr.header, 0x53726448u);
}

TEST(ZeroPage, TooManyE820EntriesIsAnError) {
    std::vector<E820Entry> big(129, E820Entry{0, 1, E820Type::ram});
    ZeroPageParams p;
    p.e820 = big;
    EXPECT_FALSE(build_zero_page(p));
}

TEST(PageTables, IdentityMapFirst4GiBWith2MiBPages) {
    auto t = identity_page_tables(0x9000);
    ASSERT_EQ(t.size(), 6u * 512);
    EXPECT_EQ(t[0], 0xa000u | 3);                 // PML4[0] -> PDPT
    EXPECT_EQ(std::count_if(t.begin() + 1, t.begin() + 512, [](uint64_t e) { return e != 0; }), 0);
    for (uint64_t g = 0; g < 4; ++g) EXPECT_EQ(t[512 + g], (0xb000 + g * 0x1000) | 3);
    EXPECT_EQ(t[512 + 4], 0u);
    EXPECT_EQ(t[2 * 512], 0x83u);                 // 0: present, writable, 2 MiB page
    EXPECT_EQ(t[2 * 512 + 1], 0x200000u | 0x83);
    // The IOAPIC page (0xfec00000) is reachable: GiB 3, entry 0x1f6.
    EXPECT_EQ(t[5 * 512 + 0x1f6], 0xfec00000u | 0x83);
}

TEST(Gdt, FlatSegments) {
    auto g = boot_gdt();
    EXPECT_EQ(g[0], 0u);
    EXPECT_EQ(g[code64_selector >> 3], 0x00af9b000000ffffull);
    EXPECT_EQ(g[data_selector >> 3], 0x00cf93000000ffffull);
    EXPECT_EQ(g[code32_selector >> 3], 0x00cf9b000000ffffull);
    kvm_segment cs = segment_from_gdt(g[code64_selector >> 3], code64_selector);
    EXPECT_EQ(cs.base, 0u);
    EXPECT_EQ(cs.limit, 0xffffffffu);
    EXPECT_EQ(cs.l, 1);
    EXPECT_EQ(cs.db, 0);
    EXPECT_EQ(cs.type, 0xb);
    EXPECT_EQ(cs.present, 1);
    EXPECT_EQ(cs.s, 1);
    kvm_segment tr = segment_from_gdt(g[tss_selector >> 3], tss_selector);
    EXPECT_EQ(tr.limit, 0x67u);
    EXPECT_EQ(tr.s, 0);
    EXPECT_EQ(gdt_entry(0x93, 0xc, 0x12345678, 0xabcde), 0x12ca93345678bcdeull);
}

TEST(Regs, LongModeAndPvhEntry) {
    kvm_sregs s{};
    set_boot_sregs(s, EntryMode::long64);
    EXPECT_EQ(s.cr3, layout::pml4);
    EXPECT_TRUE(s.cr0 & (1ull << 31));
    EXPECT_EQ(s.efer & 0x500, 0x500u);
    EXPECT_EQ(s.cs.selector, code64_selector);
    EXPECT_EQ(s.gdt.base, layout::gdt);
    set_boot_sregs(s, EntryMode::pvh32);
    EXPECT_FALSE(s.cr0 & (1ull << 31));
    EXPECT_EQ(s.efer, 0u);
    EXPECT_EQ(s.cs.selector, code32_selector);
    EXPECT_EQ(s.cs.db, 1);
    auto r = boot_regs(EntryMode::long64, 0x1000200, 0x7000);
    EXPECT_EQ(r.rip, 0x1000200u);
    EXPECT_EQ(r.rsi, 0x7000u);
    EXPECT_EQ(r.rflags, 2u);
    r = boot_regs(EntryMode::pvh32, 0x1000000, 0x6000);
    EXPECT_EQ(r.rbx, 0x6000u);
    EXPECT_EQ(r.rsi, 0u);
}

TEST(Regs, VirtualWire) {
    kvm_lapic_state l{};
    uint32_t masked = 1u << 16;
    std::memcpy(l.regs + 0x350, &masked, 4);
    std::memcpy(l.regs + 0x360, &masked, 4);
    set_virtual_wire(l, true);
    uint32_t lint0, lint1;
    std::memcpy(&lint0, l.regs + 0x350, 4);
    std::memcpy(&lint1, l.regs + 0x360, 4);
    EXPECT_EQ(lint0, 0x700u);
    EXPECT_EQ(lint1, 0x400u);
    set_virtual_wire(l, false);
    std::memcpy(&lint0, l.regs + 0x350, 4);
    EXPECT_EQ(lint0, 0x10700u) << "application processors: ExtINT masked";
}

uint8_t sum(const uint8_t* p, size_t n) { return static_cast<uint8_t>(std::accumulate(p, p + n, 0u)); }

TEST(MpTable, ChecksumsAndEntries) {
    auto t = build_mptable(4, layout::mptable);
    ASSERT_TRUE(t) << t.error().message();
    ASSERT_GE(t->size(), 16u + 44u);
    EXPECT_EQ(std::memcmp(t->data(), "_MP_", 4), 0);
    EXPECT_EQ(sum(t->data(), 16), 0) << "floating pointer checksum";
    uint32_t config;
    std::memcpy(&config, t->data() + 4, 4);
    EXPECT_EQ(config, layout::mptable + 16);
    const uint8_t* h = t->data() + 16;
    EXPECT_EQ(std::memcmp(h, "PCMP", 4), 0);
    uint16_t len, count;
    std::memcpy(&len, h + 4, 2);
    std::memcpy(&count, h + 34, 2);
    EXPECT_EQ(len, t->size() - 16);
    EXPECT_EQ(sum(h, len), 0) << "configuration table checksum";
    EXPECT_EQ(count, 4 + 1 + 1 + ioapic_pins + 2);
    // First entry: CPU 0, enabled, bootstrap processor.
    EXPECT_EQ(h[44], 0);
    EXPECT_EQ(h[44 + 1], 0);
    EXPECT_EQ(h[44 + 3], 3);
    EXPECT_EQ(h[44 + 20 + 3], 1) << "CPU 1 is enabled, not the BSP";
    EXPECT_LE(t->size(), 0x400u);
}

TEST(MpTable, VcpuLimits) {
    EXPECT_FALSE(build_mptable(0, layout::mptable));
    EXPECT_TRUE(build_mptable(mptable_max_vcpus, layout::mptable));
    EXPECT_FALSE(build_mptable(mptable_max_vcpus + 1, layout::mptable));
}

TEST(Cpuid, TopologyAndKvmSignature) {
    std::vector<kvm_cpuid_entry2> e(2);
    e[0].function = 1;
    e[0].ebx = 0xff08ffff;  // a host APIC id and count to be replaced; CLFLUSH size kept
    e[1].function = 0xb;
    e[1].flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
    adjust_cpuid(e, 2, 4);
    EXPECT_EQ(e[0].ebx, 0x0204ffffu);
    EXPECT_TRUE(e[0].ecx & (1u << 31)) << "hypervisor bit";
    EXPECT_TRUE(e[0].edx & (1u << 28)) << "HTT with several logical CPUs";
    EXPECT_EQ(e[1].edx, 2u);
    auto* sig = find_cpuid(e, 0x40000000);
    ASSERT_NE(sig, nullptr);
    char name[13] = {};
    std::memcpy(name, &sig->ebx, 4);
    std::memcpy(name + 4, &sig->ecx, 4);
    std::memcpy(name + 8, &sig->edx, 4);
    EXPECT_STREQ(name, "KVMKVMKVM");
    EXPECT_GE(sig->eax, 0x40000001u);
    EXPECT_NE(find_cpuid(e, 0x40000001), nullptr);
}

}  // namespace
}  // namespace strata::vmm::x86
