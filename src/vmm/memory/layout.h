#pragma once
// The guest-physical address map of an x86-64 strata machine. Everything a boot loader or the
// firmware would place lives below 1 MiB; the kernel loads at 1 MiB; RAM stops at the 1 GiB MMIO
// hole below 4 GiB (virtio-mmio windows, IOAPIC, LAPIC, KVM's private TSS pages) and continues
// at 4 GiB for large guests.

#include <cstdint>
#include <vector>

namespace strata::vmm::layout {

inline constexpr uint64_t KiB = 1024, MiB = 1024 * KiB, GiB = 1024 * MiB;

inline constexpr uint64_t gdt = 0x500;            // boot GDT (5 entries)
inline constexpr uint64_t pvh_start_info = 0x6000;  // hvm_start_info, its memmap and module list
inline constexpr uint64_t zero_page = 0x7000;     // struct boot_params
inline constexpr uint64_t boot_stack_top = 0x8ff0;
inline constexpr uint64_t pml4 = 0x9000;          // then the PDPT at 0xa000 and 4 PDs to 0xf000
inline constexpr uint64_t cmdline = 0x20000;
inline constexpr uint64_t cmdline_max = 0x10000;  // 64 KiB, far above any kernel's limit
// The last KiB of conventional memory, where Linux scans for an MP table (EBDA-like).
inline constexpr uint64_t mptable = 0x9fc00;
inline constexpr uint64_t low_ram_end = 0x9fc00;
inline constexpr uint64_t high_ram = 0x100000;    // 1 MiB: kernel load address

inline constexpr uint64_t mmio_hole = 3 * GiB;
inline constexpr uint64_t mmio_hole_end = 4 * GiB;
inline constexpr uint64_t virtio_mmio_base = 0xd0000000;
inline constexpr uint64_t virtio_mmio_stride = 0x1000;
inline constexpr uint64_t ioapic = 0xfec00000;
inline constexpr uint64_t lapic = 0xfee00000;
inline constexpr uint64_t identity_map = 0xfffbc000;  // 1 page, KVM_SET_IDENTITY_MAP_ADDR
inline constexpr uint64_t tss = 0xfffbd000;           // 3 pages, KVM_SET_TSS_ADDR

// Smallest guest the builder accepts: boot structures, a tiny kernel and a little heap.
inline constexpr uint64_t min_ram = 4 * MiB;
// Linux caps its boot command line at 2048 bytes on x86 (COMMAND_LINE_SIZE) for kernels whose
// header predates cmdline_size (boot protocol < 2.06) and for ELF images, which carry none.
inline constexpr uint32_t default_cmdline_size = 2048;

struct RamRegion {
    uint64_t gpa;
    uint64_t size;
};
// Where `ram` bytes of guest RAM go: below the MMIO hole first, the rest from 4 GiB.
std::vector<RamRegion> ram_regions(uint64_t ram);

}  // namespace strata::vmm::layout
