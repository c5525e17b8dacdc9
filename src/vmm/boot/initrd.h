#pragma once
// Where the initrd goes: as high as the kernel allows (initrd_addr_max) and RAM below the MMIO
// hole reach, page-aligned, clear of the kernel, as boot loaders conventionally do, so the
// kernel's early allocations below it stay free.

#include <cstdint>
#include <string>

#include "base/result.h"
#include "vmm/memory/guest_memory.h"

namespace strata::vmm::boot {

// The initrd's guest address: the highest 4 KiB-aligned start with start + size <= limit and
// start >= kernel_end. Fails if it does not fit.
Result<uint64_t> place_initrd(uint64_t size, uint64_t kernel_end, uint64_t limit);

struct InitrdLoad {
    uint64_t gpa = 0;
    uint64_t size = 0;
};
// Reads the file at `path` into guest memory at place_initrd(...). `addr_max` is the highest
// address the kernel accepts for the initrd's last byte.
Result<InitrdLoad> load_initrd(const GuestMemory& mem, const std::string& path, uint64_t kernel_end,
                               uint64_t addr_max);

}  // namespace strata::vmm::boot
