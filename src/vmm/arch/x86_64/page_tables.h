#pragma once
// Identity-mapped page tables for entering the kernel in long mode: the first 4 GiB with 2 MiB
// pages, so the kernel, the zero page, the command line and the MMIO hole (IOAPIC, LAPIC,
// virtio-mmio) are all reachable before the kernel builds its own tables.

#include <cstdint>
#include <vector>

namespace strata::vmm::x86 {

// PML4, PDPT and four page directories, one 4 KiB page each, in that order from `base`.
inline constexpr uint64_t page_table_pages = 6;

// The tables' contents as 64-bit entries (page_table_pages * 512), to be copied to `base`.
std::vector<uint64_t> identity_page_tables(uint64_t base);

}  // namespace strata::vmm::x86
