#pragma once
// Bus: guest address (port or MMIO) -> device. Filled while the machine is built and only read
// afterwards, so lookups from vCPU threads need no lock.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "vmm/devices/device.h"

namespace strata::vmm::devices {

class Bus {
public:
    // Claims [base, base + size) for `device` (not owned). Fails on overlap, naming both.
    Result<> add(uint64_t base, uint64_t size, BusDevice* device, std::string name);
    // Dispatches an access; false if no device claims `addr` (the caller decides what the guest
    // sees: all ones for reads, as on an empty ISA bus).
    bool read(uint64_t addr, std::span<uint8_t> data) const;
    bool write(uint64_t addr, std::span<const uint8_t> data) const;

private:
    struct Range {
        uint64_t base, size;
        BusDevice* device;
        std::string name;
    };
    const Range* find(uint64_t addr) const;
    std::vector<Range> m_ranges;  // sorted by base, disjoint
};

}  // namespace strata::vmm::devices
