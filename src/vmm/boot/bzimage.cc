#include "vmm/boot/bzimage.h"

#include <cstring>

#include "vmm/format.h"

namespace strata::vmm::boot {
namespace {

template <class T>
T at(std::span<const uint8_t> b, size_t off) {
    T v;
    std::memcpy(&v, b.data() + off, sizeof v);
    return v;
}

constexpr size_t off_setup_sects = 0x1f1, off_boot_flag = 0x1fe, off_jump = 0x200,
                 off_header = 0x202, off_version = 0x206, off_loadflags = 0x211,
                 off_initrd_addr_max = 0x22c, off_kernel_alignment = 0x230,
                 off_relocatable = 0x234, off_xloadflags = 0x236, off_cmdline_size = 0x238,
                 off_pref_address = 0x258, off_init_size = 0x260;
constexpr uint32_t header_magic = 0x53726448;  // "HdrS"
constexpr uint16_t min_version = 0x020c;       // 2.12: xloadflags

}  // namespace

bool is_bzimage(std::span<const uint8_t> image) {
    return image.size() >= off_header + 4 && at<uint16_t>(image, off_boot_flag) == 0xaa55 &&
           at<uint32_t>(image, off_header) == header_magic;
}

Result<SetupHeader> parse_setup_header(std::span<const uint8_t> image) {
    if (image.size() < setup_header_read_size) return error("bzImage: shorter than its setup header");
    if (!is_bzimage(image)) return error("bzImage: no boot flag 0xaa55 and \"HdrS\" magic");
    SetupHeader h;
    h.version = at<uint16_t>(image, off_version);
    if (h.version < min_version)
        return error("bzImage: boot protocol " + hex(h.version) + " is older than 2.12 (no 64-bit entry)");
    h.setup_sects = image[off_setup_sects];
    h.loadflags = image[off_loadflags];
    h.xloadflags = at<uint16_t>(image, off_xloadflags);
    if (!(h.xloadflags & xlf_kernel_64)) return error("bzImage: no 64-bit entry point (XLF_KERNEL_64)");
    h.initrd_addr_max = at<uint32_t>(image, off_initrd_addr_max);
    h.kernel_alignment = at<uint32_t>(image, off_kernel_alignment);
    h.relocatable = image[off_relocatable] != 0;
    h.cmdline_size = at<uint32_t>(image, off_cmdline_size);
    h.pref_address = at<uint64_t>(image, off_pref_address);
    h.init_size = at<uint32_t>(image, off_init_size);
    // The jump at 0x200 is "jmp short": its displacement byte at 0x201 marks the header's end.
    h.header_end = static_cast<uint32_t>(off_jump + 2 + image[off_jump + 1]);
    if (h.header_end <= off_version || h.header_end > setup_header_read_size)
        return error("bzImage: setup header end " + hex(h.header_end) + " out of range");
    return h;
}

}  // namespace strata::vmm::boot
