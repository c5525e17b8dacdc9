#include "vmm/arch/x86_64/page_tables.h"

namespace strata::vmm::x86 {
namespace {

constexpr uint64_t present = 1, writable = 2, page_size = 0x80;
constexpr uint64_t page = 4096;

}  // namespace

std::vector<uint64_t> identity_page_tables(uint64_t base) {
    std::vector<uint64_t> t(page_table_pages * 512, 0);
    const uint64_t pdpt = base + page, pd = base + 2 * page;
    t[0] = pdpt | present | writable;  // PML4[0] covers 0..512 GiB
    for (uint64_t g = 0; g < 4; ++g) {
        t[512 + g] = (pd + g * page) | present | writable;  // PDPT[g] covers GiB g
        for (uint64_t m = 0; m < 512; ++m)
            t[(2 + g) * 512 + m] = ((g << 30) + (m << 21)) | present | writable | page_size;
    }
    return t;
}

}  // namespace strata::vmm::x86
