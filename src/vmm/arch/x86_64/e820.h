#pragma once
// The BIOS e820 memory map the guest sees (zero page or PVH memmap): which guest-physical ranges
// are RAM, which are reserved.

#include <cstdint>
#include <vector>

namespace strata::vmm::x86 {

enum class E820Type : uint32_t { ram = 1, reserved = 2 };

struct E820Entry {
    uint64_t addr;
    uint64_t size;
    E820Type type;
    bool operator==(const E820Entry&) const = default;
};

// For `ram` bytes laid out by layout::ram_regions: conventional memory up to the MP table, the MP
// table's KiB reserved, then RAM from 1 MiB to the MMIO hole and from 4 GiB on. The legacy
// VGA/BIOS window 0xa0000-0xfffff is left out, as on PCs.
std::vector<E820Entry> build_e820(uint64_t ram);

}  // namespace strata::vmm::x86
