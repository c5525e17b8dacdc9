#pragma once
// An uncompressed kernel as an ELF64 executable (vmlinux, or a test guest): its loadable
// segments, its entry point, and the PVH entry from a Xen ELF note if it has one.

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "base/result.h"

namespace strata::vmm::boot {

struct ElfSegment {
    uint64_t file_offset;
    uint64_t paddr;  // where it goes in guest-physical memory
    uint64_t file_size;
    uint64_t mem_size;  // the rest (bss) is zero
};

struct ElfNoteRange {
    uint64_t file_offset;
    uint64_t size;
};

struct ElfImage {
    uint64_t entry;  // e_entry: the 64-bit entry point (physical for vmlinux)
    std::vector<ElfSegment> segments;
    std::vector<ElfNoteRange> notes;  // PT_NOTE segments, to scan with find_pvh_entry
};

// True if the bytes start with the ELF magic.
bool is_elf(std::span<const uint8_t> head);
// Parses the ELF header and program headers from `head` (the file's first bytes; must cover the
// program header table). Accepts only ELF64 little-endian x86-64 executables.
Result<ElfImage> parse_elf(std::span<const uint8_t> head);
// XEN_ELFNOTE_PHYS32_ENTRY ("Xen", type 18) in the contents of a PT_NOTE segment: the 32-bit
// physical address of the PVH entry point.
std::optional<uint32_t> find_pvh_entry(std::span<const uint8_t> notes);

}  // namespace strata::vmm::boot
