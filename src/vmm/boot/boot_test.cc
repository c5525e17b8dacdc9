// Unit tests of kernel image parsing and boot data: bzImage header, ELF + PVH note, command line,
// initrd placement, PVH start info.

#include <elf.h>
#include <gtest/gtest.h>

#include <cstring>

#include "vmm/boot/bzimage.h"
#include "vmm/boot/cmdline.h"
#include "vmm/boot/elf.h"
#include "vmm/boot/initrd.h"
#include "vmm/boot/pvh.h"

namespace strata::vmm::boot {
namespace {

template <class T>
void put(std::vector<uint8_t>& b, size_t off, T v) {
    std::memcpy(b.data() + off, &v, sizeof v);
}

std::vector<uint8_t> bzimage_head() {
    std::vector<uint8_t> b(setup_header_read_size, 0);
    b[0x1f1] = 27;                        // setup_sects
    put<uint16_t>(b, 0x1fe, 0xaa55);
    b[0x200] = 0xeb;
    b[0x201] = 0x6a;                      // header ends at 0x26c
    std::memcpy(&b[0x202], "HdrS", 4);
    put<uint16_t>(b, 0x206, 0x020f);
    b[0x211] = 0x01;
    put<uint32_t>(b, 0x22c, 0x7fffffff);
    put<uint32_t>(b, 0x230, 0x200000);
    b[0x234] = 1;
    put<uint16_t>(b, 0x236, 0x0003);      // XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G
    put<uint32_t>(b, 0x238, 2047);
    put<uint64_t>(b, 0x258, 0x1000000);
    put<uint32_t>(b, 0x260, 0x2000000);
    return b;
}

TEST(BzImage, ParsesTheSetupHeader) {
    auto h = parse_setup_header(bzimage_head());
    ASSERT_TRUE(h) << h.error().message();
    EXPECT_EQ(h->version, 0x020f);
    EXPECT_EQ(h->kernel_offset(), 28u * 512);
    EXPECT_EQ(h->cmdline_size, 2047u);
    EXPECT_EQ(h->initrd_addr_max, 0x7fffffffu);
    EXPECT_EQ(h->kernel_alignment, 0x200000u);
    EXPECT_TRUE(h->relocatable);
    EXPECT_EQ(h->pref_address, 0x1000000u);
    EXPECT_EQ(h->init_size, 0x2000000u);
    EXPECT_EQ(h->header_end, 0x26cu);
}

TEST(BzImage, ZeroSetupSectsMeansFour) {
    auto b = bzimage_head();
    b[0x1f1] = 0;
    EXPECT_EQ(parse_setup_header(b)->kernel_offset(), 5u * 512);
}

TEST(BzImage, Rejections) {
    auto b = bzimage_head();
    b[0x202] = 'X';
    EXPECT_FALSE(parse_setup_header(b));
    EXPECT_FALSE(is_bzimage(b));
    b = bzimage_head();
    put<uint16_t>(b, 0x206, 0x020b);
    auto r = parse_setup_header(b);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("older than 2.12"), std::string::npos);
    b = bzimage_head();
    put<uint16_t>(b, 0x236, 0);
    r = parse_setup_header(b);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("XLF_KERNEL_64"), std::string::npos);
    EXPECT_FALSE(parse_setup_header(std::vector<uint8_t>(100, 0)));
}

// An ELF64 executable with one PT_LOAD and one PT_NOTE holding `notes`.
std::vector<uint8_t> elf_image(const std::vector<uint8_t>& notes, uint16_t machine = EM_X86_64) {
    std::vector<uint8_t> b(0x200 + notes.size(), 0);
    Elf64_Ehdr eh{};
    std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_type = ET_EXEC;
    eh.e_machine = machine;
    eh.e_entry = 0x1000000;
    eh.e_phoff = sizeof eh;
    eh.e_phentsize = sizeof(Elf64_Phdr);
    eh.e_phnum = 2;
    std::memcpy(b.data(), &eh, sizeof eh);
    Elf64_Phdr load{PT_LOAD, PF_R | PF_X, 0x200, 0xffffffff81000000, 0x1000000, 0x100, 0x3000, 0x1000};
    Elf64_Phdr note{PT_NOTE, PF_R, 0x200, 0, 0, notes.size(), notes.size(), 4};
    std::memcpy(b.data() + sizeof eh, &load, sizeof load);
    std::memcpy(b.data() + sizeof eh + sizeof load, &note, sizeof note);
    if (!notes.empty()) std::memcpy(b.data() + 0x200, notes.data(), notes.size());
    return b;
}

std::vector<uint8_t> note(const char* name, uint32_t type, std::vector<uint8_t> desc) {
    auto align4 = [](size_t n) { return (n + 3) & ~size_t{3}; };
    const uint32_t namesz = static_cast<uint32_t>(std::strlen(name) + 1);
    const uint32_t descsz = static_cast<uint32_t>(desc.size());
    std::vector<uint8_t> n(12 + align4(namesz) + align4(descsz), 0);
    std::memcpy(n.data(), &namesz, 4);
    std::memcpy(n.data() + 4, &descsz, 4);
    std::memcpy(n.data() + 8, &type, 4);
    std::memcpy(n.data() + 12, name, namesz);
    if (descsz) std::memcpy(n.data() + 12 + align4(namesz), desc.data(), descsz);
    return n;
}

TEST(Elf, SegmentsAndPvhNote) {
    auto notes = note("GNU", 3, {1, 2, 3, 4});
    auto xen = note("Xen", 18, {0x40, 0x00, 0x00, 0x01, 0, 0, 0, 0});  // a quad, as Linux emits it
    notes.insert(notes.end(), xen.begin(), xen.end());
    auto img = elf_image(notes);
    auto e = parse_elf(img);
    ASSERT_TRUE(e) << e.error().message();
    EXPECT_EQ(e->entry, 0x1000000u);
    ASSERT_EQ(e->segments.size(), 1u);
    EXPECT_EQ(e->segments[0].paddr, 0x1000000u) << "physical, not virtual address";
    EXPECT_EQ(e->segments[0].file_size, 0x100u);
    EXPECT_EQ(e->segments[0].mem_size, 0x3000u);
    ASSERT_EQ(e->notes.size(), 1u);
    auto pvh = find_pvh_entry(std::span(img).subspan(e->notes[0].file_offset, e->notes[0].size));
    ASSERT_TRUE(pvh);
    EXPECT_EQ(*pvh, 0x01000040u);
    EXPECT_FALSE(find_pvh_entry(note("Xen", 17, {1, 2, 3, 4})));
    EXPECT_FALSE(find_pvh_entry(note("Xe", 18, {1, 2, 3, 4})));
}

TEST(Elf, Rejections) {
    EXPECT_FALSE(parse_elf(elf_image({}, EM_AARCH64)));
    auto img = elf_image({});
    img[EI_CLASS] = ELFCLASS32;
    EXPECT_FALSE(parse_elf(img));
    img = elf_image({});
    EXPECT_FALSE(parse_elf(std::span(img).first(100))) << "program headers cut off";
    EXPECT_FALSE(is_elf(std::vector<uint8_t>{'M', 'Z'}));
}

TEST(Cmdline, AppendsVirtioMmioDevices) {
    std::vector<MmioDeviceDesc> d = {{0xd0000000, 0x1000, 5}, {0xd0001000, 0x1000, 6}};
    EXPECT_EQ(build_cmdline("  console=ttyS0 quiet ", d),
              "console=ttyS0 quiet virtio_mmio.device=4K@0xd0000000:5 virtio_mmio.device=4K@0xd0001000:6");
    EXPECT_EQ(build_cmdline("", {}), "");
    EXPECT_EQ(build_cmdline("", std::vector<MmioDeviceDesc>{{0xd0000000, 0x200, 9}}),
              "virtio_mmio.device=0x200@0xd0000000:9");
    EXPECT_TRUE(check_cmdline(std::string(2047, 'a'), 2047));
    EXPECT_FALSE(check_cmdline(std::string(2048, 'a'), 2047));
    EXPECT_FALSE(check_cmdline(std::string("a\0b", 3), 2047));
}

TEST(Initrd, PlacedHighAlignedAndClearOfTheKernel) {
    auto at = place_initrd(5000, 0x200000, 0x1000000);
    ASSERT_TRUE(at);
    EXPECT_EQ(*at, 0x1000000u - 0x2000);
    EXPECT_EQ(*at % 4096, 0u);
    EXPECT_FALSE(place_initrd(0x1000000, 0x200000, 0x1000000)) << "overlaps the kernel";
    EXPECT_FALSE(place_initrd(0, 0x200000, 0x1000000));
    EXPECT_FALSE(place_initrd(0x2000000, 0, 0x1000000));
}

TEST(Pvh, StartInfoModuleAndMemmap) {
    std::vector<x86::E820Entry> e820 = {{0, 0x9fc00, x86::E820Type::ram}, {0x100000, 0xf00000, x86::E820Type::ram}};
    PvhParams p;
    p.cmdline_gpa = 0x20000;
    p.initrd_gpa = 0x800000;
    p.initrd_size = 1234;
    p.e820 = e820;
    auto b = build_pvh_start_info(p, 0x6000);
    ASSERT_EQ(b.size(), sizeof(HvmStartInfo) + sizeof(HvmModlistEntry) + 2 * sizeof(HvmMemmapEntry));
    HvmStartInfo si;
    std::memcpy(&si, b.data(), sizeof si);
    EXPECT_EQ(si.magic, 0x336ec578u);
    EXPECT_EQ(si.version, 1u);
    EXPECT_EQ(si.nr_modules, 1u);
    EXPECT_EQ(si.modlist_paddr, 0x6000u + sizeof si);
    EXPECT_EQ(si.cmdline_paddr, 0x20000u);
    EXPECT_EQ(si.memmap_entries, 2u);
    EXPECT_EQ(si.memmap_paddr, 0x6000u + sizeof si + sizeof(HvmModlistEntry));
    HvmModlistEntry mod;
    std::memcpy(&mod, b.data() + sizeof si, sizeof mod);
    EXPECT_EQ(mod.paddr, 0x800000u);
    EXPECT_EQ(mod.size, 1234u);
    HvmMemmapEntry mm;
    std::memcpy(&mm, b.data() + sizeof si + sizeof mod + sizeof mm, sizeof mm);
    EXPECT_EQ(mm.addr, 0x100000u);
    EXPECT_EQ(mm.type, 1u);

    p.initrd_size = 0;
    b = build_pvh_start_info(p, 0x6000);
    std::memcpy(&si, b.data(), sizeof si);
    EXPECT_EQ(si.nr_modules, 0u);
    EXPECT_EQ(si.memmap_paddr, 0x6000u + sizeof si);
}

}  // namespace
}  // namespace strata::vmm::boot
