#pragma once
// GuestMemory: the guest's RAM as host mappings, and bounds-checked access by guest-physical
// address. Device models never touch a host pointer they did not get from here.

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "base/result.h"
#include "sys/mapping.h"
#include "vmm/memory/layout.h"

namespace strata::vmm {

class GuestMemory {
public:
    struct Region {
        uint64_t gpa;
        uint64_t size;
        uint8_t* host;
    };

    // Anonymous private memory for `ram` bytes laid out by layout::ram_regions. Pages are only
    // backed when first touched (MAP_NORESERVE), so the VMM's RSS grows with what the guest uses.
    static Result<GuestMemory> create(uint64_t ram);
    // Guest memory over a caller-owned buffer at `gpa` (unit tests of device logic).
    static GuestMemory wrap(std::span<uint8_t> buffer, uint64_t gpa);

    const std::vector<Region>& regions() const { return m_regions; }
    uint64_t ram_size() const;
    // Highest RAM address + 1 below the MMIO hole.
    uint64_t low_ram_end() const { return m_regions.empty() ? 0 : m_regions.front().gpa + m_regions.front().size; }

    // A host pointer to [gpa, gpa + len) if it lies inside one region, else nullptr.
    uint8_t* host(uint64_t gpa, uint64_t len) const;
    // The same as a span, or an error naming the range.
    Result<std::span<uint8_t>> slice(uint64_t gpa, uint64_t len) const;

    Result<> write(uint64_t gpa, std::span<const uint8_t> data) const;
    Result<> read(uint64_t gpa, std::span<uint8_t> out) const;
    template <class T>
    Result<> write_obj(uint64_t gpa, const T& v) const {
        static_assert(std::is_trivially_copyable_v<T>);
        return write(gpa, {reinterpret_cast<const uint8_t*>(&v), sizeof v});
    }
    template <class T>
    Result<T> read_obj(uint64_t gpa) const {
        static_assert(std::is_trivially_copyable_v<T>);
        T v;
        STRATA_TRY(read(gpa, {reinterpret_cast<uint8_t*>(&v), sizeof v}));
        return v;
    }

private:
    sys::Mapping m_mapping;  // empty for wrap()
    std::vector<Region> m_regions;
};

}  // namespace strata::vmm
