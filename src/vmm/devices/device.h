#pragma once
// BusDevice: what a port-I/O or MMIO range dispatches to. Calls come from vCPU threads (several at
// once on SMP guests), so implementations lock their own state.

#include <cstdint>
#include <span>

namespace strata::vmm::devices {

class BusDevice {
public:
    virtual ~BusDevice() = default;
    // A guest read of data.size() bytes at `offset` from the start of the device's range. Whatever
    // the device leaves in `data` is what the guest sees (it arrives zeroed).
    virtual void read(uint64_t offset, std::span<uint8_t> data) = 0;
    virtual void write(uint64_t offset, std::span<const uint8_t> data) = 0;
};

}  // namespace strata::vmm::devices
