#include "vmm/memory/layout.h"

#include <algorithm>

namespace strata::vmm::layout {

std::vector<RamRegion> ram_regions(uint64_t ram) {
    std::vector<RamRegion> out;
    const uint64_t low = std::min(ram, mmio_hole);
    out.push_back({0, low});
    if (ram > low) out.push_back({mmio_hole_end, ram - low});
    return out;
}

}  // namespace strata::vmm::layout
