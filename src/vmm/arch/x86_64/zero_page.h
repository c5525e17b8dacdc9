#pragma once
// The Linux zero page (struct boot_params, Documentation/x86/zero-page.rst) for the 64-bit boot
// protocol: the kernel's own setup header plus what the boot loader fills in.

#include <asm/bootparam.h>

#include <cstdint>
#include <span>

#include "base/result.h"
#include "vmm/arch/x86_64/e820.h"

namespace strata::vmm::x86 {

struct ZeroPageParams {
    // Bytes 0x1f1 .. end of the setup header from a bzImage; empty for an ELF kernel, which has
    // none (a minimal header with the magic values is synthesised).
    std::span<const uint8_t> setup_header;
    uint64_t cmdline_gpa = 0;
    uint32_t cmdline_size = 0;  // bytes, without the NUL
    uint64_t initrd_gpa = 0;
    uint64_t initrd_size = 0;
    std::span<const E820Entry> e820;
};

// Fails if the e820 map has more entries than the zero page holds (128) or the header is longer
// than struct setup_header.
Result<boot_params> build_zero_page(const ZeroPageParams& p);

}  // namespace strata::vmm::x86
