#include "vmm/memory/guest_memory.h"

#include <sys/mman.h>

#include "vmm/format.h"

namespace strata::vmm {

Result<GuestMemory> GuestMemory::create(uint64_t ram) {
    GuestMemory m;
    m.m_mapping = STRATA_TRY(sys::map(ram, PROT_READ | PROT_WRITE,
                                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0,
                                      "guest RAM of " + std::to_string(ram >> 20) + " MiB"));
    // Transparent huge pages would back the whole first 2 MiB (and more) on the first touch: a
    // tiny guest would cost megabytes of RSS. KVM maps small pages just as well.
    STRATA_TRY(sys::madvise(m.m_mapping.data(), ram, MADV_NOHUGEPAGE, "guest RAM"));
    // A fork of the VMM (`vmm run` hands its teardown to one) must not copy the guest's RAM.
    STRATA_TRY(sys::madvise(m.m_mapping.data(), ram, MADV_DONTFORK, "guest RAM"));
    uint64_t offset = 0;
    for (const auto& r : layout::ram_regions(ram)) {
        m.m_regions.push_back({r.gpa, r.size, m.m_mapping.data() + offset});
        offset += r.size;
    }
    return m;
}

GuestMemory GuestMemory::wrap(std::span<uint8_t> buffer, uint64_t gpa) {
    GuestMemory m;
    m.m_regions.push_back({gpa, buffer.size(), buffer.data()});
    return m;
}

uint64_t GuestMemory::ram_size() const {
    uint64_t total = 0;
    for (const auto& r : m_regions) total += r.size;
    return total;
}

uint8_t* GuestMemory::host(uint64_t gpa, uint64_t len) const {
    for (const auto& r : m_regions) {
        // Written so that no sum can overflow: gpa and len come from the guest.
        if (gpa >= r.gpa && gpa - r.gpa <= r.size && len <= r.size - (gpa - r.gpa))
            return r.host + (gpa - r.gpa);
    }
    return nullptr;
}

Result<std::span<uint8_t>> GuestMemory::slice(uint64_t gpa, uint64_t len) const {
    uint8_t* p = host(gpa, len);
    if (!p) return error("guest range " + hex(gpa) + "+" + hex(len) + " is not RAM");
    return std::span<uint8_t>(p, len);
}

Result<> GuestMemory::write(uint64_t gpa, std::span<const uint8_t> data) const {
    auto dst = STRATA_TRY(slice(gpa, data.size()));
    if (!data.empty()) std::memcpy(dst.data(), data.data(), data.size());
    return {};
}

Result<> GuestMemory::read(uint64_t gpa, std::span<uint8_t> out) const {
    auto src = STRATA_TRY(slice(gpa, out.size()));
    if (!out.empty()) std::memcpy(out.data(), src.data(), out.size());
    return {};
}

}  // namespace strata::vmm
