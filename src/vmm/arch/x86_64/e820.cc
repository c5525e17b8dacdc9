#include "vmm/arch/x86_64/e820.h"

#include "vmm/memory/layout.h"

namespace strata::vmm::x86 {

std::vector<E820Entry> build_e820(uint64_t ram) {
    std::vector<E820Entry> map;
    map.push_back({0, layout::low_ram_end, E820Type::ram});
    map.push_back({layout::mptable, 0xa0000 - layout::mptable, E820Type::reserved});
    for (const auto& r : layout::ram_regions(ram)) {
        if (r.gpa == 0) {
            if (r.size > layout::high_ram)
                map.push_back({layout::high_ram, r.size - layout::high_ram, E820Type::ram});
        } else {
            map.push_back({r.gpa, r.size, E820Type::ram});
        }
    }
    return map;
}

}  // namespace strata::vmm::x86
