#include "vmm/arch/x86_64/zero_page.h"

#include <cstring>

namespace strata::vmm::x86 {
namespace {

constexpr uint32_t header_magic = 0x53726448;  // "HdrS"
constexpr uint16_t boot_flag_magic = 0xaa55;
// "Undefined" boot loader id: strata has none assigned (boot.rst, type_of_loader).
constexpr uint8_t loader_undefined = 0xff;

}  // namespace

Result<boot_params> build_zero_page(const ZeroPageParams& p) {
    boot_params bp;
    std::memset(&bp, 0, sizeof bp);
    if (!p.setup_header.empty()) {
        if (p.setup_header.size() > sizeof bp.hdr)
            return error("setup header of " + std::to_string(p.setup_header.size()) +
                         " bytes is longer than struct setup_header");
        std::memcpy(&bp.hdr, p.setup_header.data(), p.setup_header.size());
    } else {
        bp.hdr.boot_flag = boot_flag_magic;
        bp.hdr.header = header_magic;
    }
    bp.hdr.type_of_loader = loader_undefined;
    // LOADED_HIGH: the protected-mode kernel is at 1 MiB. CAN_USE_HEAP: heap_end_ptr is valid
    // (only the 16-bit setup code uses it; the 64-bit entry skips that code).
    bp.hdr.loadflags |= LOADED_HIGH | CAN_USE_HEAP;
    bp.hdr.heap_end_ptr = 0xfe00;
    bp.hdr.cmd_line_ptr = static_cast<uint32_t>(p.cmdline_gpa);
    bp.ext_cmd_line_ptr = static_cast<uint32_t>(p.cmdline_gpa >> 32);
    bp.hdr.cmdline_size = p.cmdline_size;
    bp.hdr.ramdisk_image = static_cast<uint32_t>(p.initrd_gpa);
    bp.ext_ramdisk_image = static_cast<uint32_t>(p.initrd_gpa >> 32);
    bp.hdr.ramdisk_size = static_cast<uint32_t>(p.initrd_size);
    bp.ext_ramdisk_size = static_cast<uint32_t>(p.initrd_size >> 32);

    if (p.e820.size() > E820_MAX_ENTRIES_ZEROPAGE)
        return error("e820 map of " + std::to_string(p.e820.size()) + " entries does not fit the zero page");
    for (size_t i = 0; i < p.e820.size(); ++i) {
        bp.e820_table[i].addr = p.e820[i].addr;
        bp.e820_table[i].size = p.e820[i].size;
        bp.e820_table[i].type = static_cast<uint32_t>(p.e820[i].type);
    }
    bp.e820_entries = static_cast<uint8_t>(p.e820.size());
    return bp;
}

}  // namespace strata::vmm::x86
