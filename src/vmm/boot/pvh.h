#pragma once
// The PVH boot ABI (Xen's public arch-x86/hvm/start_info.h, version 1): the start-of-day
// structure whose address a PVH kernel finds in EBX, followed here by its module list (the
// initrd) and memory map, all in one blob.

#include <cstdint>
#include <span>
#include <vector>

#include "vmm/arch/x86_64/e820.h"

namespace strata::vmm::boot {

inline constexpr uint32_t pvh_magic = 0x336ec578;

struct __attribute__((packed)) HvmStartInfo {
    uint32_t magic;
    uint32_t version;
    uint32_t flags;
    uint32_t nr_modules;
    uint64_t modlist_paddr;
    uint64_t cmdline_paddr;
    uint64_t rsdp_paddr;
    uint64_t memmap_paddr;  // version 1
    uint32_t memmap_entries;
    uint32_t reserved;
};
struct __attribute__((packed)) HvmModlistEntry {
    uint64_t paddr;
    uint64_t size;
    uint64_t cmdline_paddr;
    uint64_t reserved;
};
struct __attribute__((packed)) HvmMemmapEntry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;  // e820 types
    uint32_t reserved;
};
static_assert(sizeof(HvmStartInfo) == 56 && sizeof(HvmModlistEntry) == 32 && sizeof(HvmMemmapEntry) == 24);

struct PvhParams {
    uint64_t cmdline_gpa = 0;
    uint64_t initrd_gpa = 0, initrd_size = 0;  // size 0: no module
    std::span<const x86::E820Entry> e820;
};

// The start info, then the module entry (if any), then the memory map, to be copied to `gpa`.
std::vector<uint8_t> build_pvh_start_info(const PvhParams& p, uint64_t gpa);

}  // namespace strata::vmm::boot
