#pragma once
// The real-mode setup header of a bzImage (Documentation/x86/boot.rst): where the protected-mode
// kernel starts in the file, and what the kernel asks of its boot loader.

#include <cstdint>
#include <span>

#include "base/result.h"

namespace strata::vmm::boot {

struct SetupHeader {
    uint8_t setup_sects = 0;    // real-mode sectors after the boot sector (0 means 4)
    uint16_t version = 0;       // boot protocol, 0x020f = 2.15
    uint8_t loadflags = 0;
    uint16_t xloadflags = 0;
    uint32_t initrd_addr_max = 0;
    uint32_t cmdline_size = 0;  // longest command line, without the NUL
    uint32_t kernel_alignment = 0;
    bool relocatable = false;
    uint64_t pref_address = 0;
    uint32_t init_size = 0;     // memory the kernel needs from its load address while booting
    uint32_t header_end = 0;    // file offset just past the header: 0x202 + byte at 0x201

    // Offset in the file of the protected-mode kernel: (setup_sects + 1) * 512.
    uint64_t kernel_offset() const { return (uint64_t{setup_sects ? setup_sects : 4u} + 1) * 512; }
};

// Bytes of the image needed to parse the header (the header ends well before 0x280).
inline constexpr size_t setup_header_read_size = 0x280;
inline constexpr uint16_t xlf_kernel_64 = 1;  // has the 64-bit entry at load address + 0x200

// Parses the header from the start of the image. Fails on a missing "HdrS" magic or boot flag,
// a protocol older than 2.12 (no xloadflags) or a kernel without the 64-bit entry point.
Result<SetupHeader> parse_setup_header(std::span<const uint8_t> image);
// True if the bytes look like a bzImage (boot flag 0xaa55 and "HdrS"), whatever their version.
bool is_bzimage(std::span<const uint8_t> image);

}  // namespace strata::vmm::boot
