#include "vmm/boot/initrd.h"

#include <fcntl.h>

#include <algorithm>

#include "base/strings.h"
#include "sys/file.h"
#include "sys/rw.h"
#include "vmm/format.h"

namespace strata::vmm::boot {

Result<uint64_t> place_initrd(uint64_t size, uint64_t kernel_end, uint64_t limit) {
    constexpr uint64_t page = 4096;
    if (size == 0 || size > limit) return error("initrd of " + std::to_string(size) + " bytes does not fit in guest RAM");
    const uint64_t start = (limit - size) & ~(page - 1);
    if (start < kernel_end)
        return error("initrd of " + std::to_string(size) + " bytes does not fit between the kernel (ends at " +
                     hex(kernel_end) + ") and " + hex(limit) + "; give the guest more memory");
    return start;
}

Result<InitrdLoad> load_initrd(const GuestMemory& mem, const std::string& path, uint64_t kernel_end,
                               uint64_t addr_max) {
    UniqueFd fd = STRATA_TRY(sys::open(path, O_RDONLY));
    const uint64_t size = STRATA_TRY(sys::file_size(fd.get(), quote(path)));
    const uint64_t limit = std::min(mem.low_ram_end(), addr_max == UINT64_MAX ? addr_max : addr_max + 1);
    const uint64_t gpa = STRATA_TRY(with_context(place_initrd(size, kernel_end, limit), "initrd " + quote(path)));
    auto dst = STRATA_TRY(mem.slice(gpa, size));
    STRATA_TRY(sys::pread_exact(fd.get(), dst, 0, quote(path)));
    return InitrdLoad{gpa, size};
}

}  // namespace strata::vmm::boot
