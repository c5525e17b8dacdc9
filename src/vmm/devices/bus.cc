#include "vmm/devices/bus.h"

#include <algorithm>

#include "vmm/format.h"

namespace strata::vmm::devices {

Result<> Bus::add(uint64_t base, uint64_t size, BusDevice* device, std::string name) {
    if (size == 0 || base + size < base) return error("bus range of " + name + " is empty or wraps");
    auto it = std::lower_bound(m_ranges.begin(), m_ranges.end(), base,
                               [](const Range& r, uint64_t b) { return r.base < b; });
    auto overlaps = [&](const Range& r) { return base < r.base + r.size && r.base < base + size; };
    if (it != m_ranges.end() && overlaps(*it))
        return error(name + " at " + hex(base) + " overlaps " + it->name + " at " + hex(it->base));
    if (it != m_ranges.begin() && overlaps(*std::prev(it)))
        return error(name + " at " + hex(base) + " overlaps " + std::prev(it)->name + " at " +
                     hex(std::prev(it)->base));
    m_ranges.insert(it, Range{base, size, device, std::move(name)});
    return {};
}

const Bus::Range* Bus::find(uint64_t addr) const {
    auto it = std::upper_bound(m_ranges.begin(), m_ranges.end(), addr,
                               [](uint64_t a, const Range& r) { return a < r.base; });
    if (it == m_ranges.begin()) return nullptr;
    --it;
    return addr - it->base < it->size ? &*it : nullptr;
}

bool Bus::read(uint64_t addr, std::span<uint8_t> data) const {
    const Range* r = find(addr);
    if (!r) return false;
    r->device->read(addr - r->base, data);
    return true;
}

bool Bus::write(uint64_t addr, std::span<const uint8_t> data) const {
    const Range* r = find(addr);
    if (!r) return false;
    r->device->write(addr - r->base, data);
    return true;
}

}  // namespace strata::vmm::devices
