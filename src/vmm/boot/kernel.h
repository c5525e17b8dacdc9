#pragma once
// Loads a kernel image into guest memory and says how to enter it. Formats, by content:
// - bzImage: the protected-mode kernel at 1 MiB, entered at its 64-bit entry (+0x200);
// - ELF64 with a PVH note (vmlinux with CONFIG_PVH, tiny test guests): entered in 32-bit mode;
// - other ELF64: entered at e_entry in long mode with the zero page, like a bzImage.

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "vmm/arch/x86_64/regs.h"
#include "vmm/memory/guest_memory.h"

namespace strata::vmm::boot {

struct LoadedKernel {
    std::string format;  // "bzImage", "ELF", "ELF (PVH)" for messages
    x86::EntryMode mode = x86::EntryMode::long64;
    uint64_t entry = 0;
    std::vector<uint8_t> setup_header;  // bzImage: file bytes 0x1f1 .. header end, for the zero page
    uint32_t cmdline_limit = 0;         // longest command line the kernel takes, without NUL
    uint64_t initrd_addr_max = 0;       // highest address for the initrd's last byte
    uint64_t end = 0;                   // first guest address after the kernel's boot footprint
};

// Reads the image at `path` into `mem`. Errors name the file and what is wrong with it
// (unknown format, segment outside RAM or below 1 MiB, kernel larger than RAM).
Result<LoadedKernel> load_kernel(const GuestMemory& mem, const std::string& path);

}  // namespace strata::vmm::boot
