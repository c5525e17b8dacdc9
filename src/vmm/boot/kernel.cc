#include "vmm/boot/kernel.h"

#include <fcntl.h>

#include <algorithm>

#include "base/strings.h"
#include "sys/file.h"
#include "sys/rw.h"
#include "vmm/boot/bzimage.h"
#include "vmm/boot/elf.h"
#include "vmm/format.h"
#include "vmm/memory/layout.h"

namespace strata::vmm::boot {
namespace {

// Enough for the bzImage setup header and any ELF program header table we expect.
constexpr size_t head_size = 64 * 1024;

Result<LoadedKernel> load_bzimage(const GuestMemory& mem, int fd, uint64_t file_size,
                                  std::span<const uint8_t> head, const std::string& name) {
    SetupHeader h = STRATA_TRY(parse_setup_header(head));
    const uint64_t offset = h.kernel_offset();
    if (offset >= file_size) return error("bzImage: setup of " + hex(offset) + " bytes leaves no kernel");
    const uint64_t payload = file_size - offset;
    auto dst = STRATA_TRY(with_context(mem.slice(layout::high_ram, payload), "kernel of " + std::to_string(payload) + " bytes"));
    STRATA_TRY(sys::pread_exact(fd, dst, offset, name));

    LoadedKernel k;
    k.format = "bzImage";
    k.mode = x86::EntryMode::long64;
    k.entry = layout::high_ram + 0x200;
    k.setup_header.assign(head.begin() + 0x1f1, head.begin() + h.header_end);
    // Protocol 2.06 added cmdline_size; before it the limit was 255.
    k.cmdline_limit = h.version >= 0x0206 ? h.cmdline_size : 255;
    k.initrd_addr_max = h.initrd_addr_max;
    // The decompressor works in place from the load address up to init_size.
    k.end = layout::high_ram + std::max<uint64_t>(payload, h.init_size);
    if (k.end > mem.low_ram_end())
        return error("bzImage: needs RAM up to " + hex(k.end) + " while booting; give the guest more memory");
    return k;
}

Result<LoadedKernel> load_elf(const GuestMemory& mem, int fd, uint64_t file_size,
                              std::span<const uint8_t> head, const std::string& name) {
    ElfImage img = STRATA_TRY(parse_elf(head));
    LoadedKernel k;
    k.mode = x86::EntryMode::long64;
    k.entry = img.entry;
    k.format = "ELF";
    for (const auto& n : img.notes) {
        if (n.size > head_size || n.file_offset > file_size || n.size > file_size - n.file_offset) continue;
        std::vector<uint8_t> buf(n.size);
        STRATA_TRY(sys::pread_exact(fd, buf, n.file_offset, name));
        if (auto pvh = find_pvh_entry(buf)) {
            k.mode = x86::EntryMode::pvh32;
            k.entry = *pvh;
            k.format = "ELF (PVH)";
            break;
        }
    }
    for (const auto& s : img.segments) {
        // Below 1 MiB live the zero page, page tables and MP table the VMM writes.
        if (s.paddr < layout::high_ram)
            return error("ELF: segment at " + hex(s.paddr) + " is below 1 MiB, where boot data lives");
        if (s.file_offset > file_size || s.file_size > file_size - s.file_offset)
            return error("ELF: segment at " + hex(s.paddr) + " extends past the end of the file");
        auto dst = STRATA_TRY(with_context(mem.slice(s.paddr, s.mem_size), "ELF segment"));
        // Fresh guest RAM is already zero, so the bss part needs no memset (and no RSS).
        STRATA_TRY(sys::pread_exact(fd, dst.first(s.file_size), s.file_offset, name));
        k.end = std::max(k.end, s.paddr + s.mem_size);
    }
    k.cmdline_limit = layout::default_cmdline_size - 1;
    k.initrd_addr_max = UINT32_MAX;
    return k;
}

}  // namespace

Result<LoadedKernel> load_kernel(const GuestMemory& mem, const std::string& path) {
    const std::string name = quote(path);
    auto load = [&]() -> Result<LoadedKernel> {
        UniqueFd fd = STRATA_TRY(sys::open(path, O_RDONLY));
        const uint64_t size = STRATA_TRY(sys::file_size(fd.get(), name));
        std::vector<uint8_t> head(std::min<uint64_t>(size, head_size));
        STRATA_TRY(sys::pread_exact(fd.get(), head, 0, name));
        if (is_elf(head)) return load_elf(mem, fd.get(), size, head, name);
        if (is_bzimage(head)) return load_bzimage(mem, fd.get(), size, head, name);
        return error("neither a bzImage nor an ELF file");
    };
    return with_context(load(), "kernel " + name);
}

}  // namespace strata::vmm::boot
