#include "vmm/boot/elf.h"

#include <elf.h>

#include <cstring>

#include "vmm/format.h"

namespace strata::vmm::boot {
namespace {

constexpr uint32_t xen_elfnote_phys32_entry = 18;

}  // namespace

bool is_elf(std::span<const uint8_t> head) {
    return head.size() >= SELFMAG && std::memcmp(head.data(), ELFMAG, SELFMAG) == 0;
}

Result<ElfImage> parse_elf(std::span<const uint8_t> head) {
    if (head.size() < sizeof(Elf64_Ehdr) || !is_elf(head)) return error("ELF: no ELF header");
    Elf64_Ehdr eh;
    std::memcpy(&eh, head.data(), sizeof eh);
    if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB)
        return error("ELF: not a little-endian ELF64 file");
    if (eh.e_machine != EM_X86_64) return error("ELF: machine " + std::to_string(eh.e_machine) + " is not x86-64");
    if (eh.e_type != ET_EXEC) return error("ELF: not an executable (e_type " + std::to_string(eh.e_type) + ")");
    if (eh.e_phentsize != sizeof(Elf64_Phdr)) return error("ELF: unexpected program header size");
    const uint64_t ph_end = eh.e_phoff + uint64_t{eh.e_phnum} * sizeof(Elf64_Phdr);
    if (eh.e_phoff > head.size() || ph_end > head.size())
        return error("ELF: program headers at " + hex(eh.e_phoff) + " beyond the bytes read");

    ElfImage img;
    img.entry = eh.e_entry;
    for (unsigned i = 0; i < eh.e_phnum; ++i) {
        Elf64_Phdr ph;
        std::memcpy(&ph, head.data() + eh.e_phoff + i * sizeof ph, sizeof ph);
        if (ph.p_type == PT_LOAD) {
            if (ph.p_filesz > ph.p_memsz) return error("ELF: segment " + std::to_string(i) + " filesz > memsz");
            if (ph.p_memsz > 0) img.segments.push_back({ph.p_offset, ph.p_paddr, ph.p_filesz, ph.p_memsz});
        } else if (ph.p_type == PT_NOTE) {
            img.notes.push_back({ph.p_offset, ph.p_filesz});
        }
    }
    if (img.segments.empty()) return error("ELF: no loadable segment");
    return img;
}

std::optional<uint32_t> find_pvh_entry(std::span<const uint8_t> notes) {
    auto align4 = [](uint64_t n) { return (n + 3) & ~uint64_t{3}; };
    uint64_t off = 0;
    while (off + sizeof(Elf64_Nhdr) <= notes.size()) {
        Elf64_Nhdr nh;
        std::memcpy(&nh, notes.data() + off, sizeof nh);
        const uint64_t name_off = off + sizeof nh;
        const uint64_t desc_off = name_off + align4(nh.n_namesz);
        const uint64_t next = desc_off + align4(nh.n_descsz);
        if (next > notes.size()) break;
        const bool xen = nh.n_namesz == 4 && std::memcmp(notes.data() + name_off, "Xen", 4) == 0;
        // Linux emits the address as a pointer-sized value (8 bytes); the ABI reads 32 bits.
        if (xen && nh.n_type == xen_elfnote_phys32_entry && nh.n_descsz >= 4) {
            uint32_t entry;
            std::memcpy(&entry, notes.data() + desc_off, sizeof entry);
            return entry;
        }
        off = next;
    }
    return std::nullopt;
}

}  // namespace strata::vmm::boot
