#pragma once
// The kernel command line: the caller's, plus one virtio_mmio.device= entry per virtio-mmio
// device (how a kernel with CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES finds devices without ACPI).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/result.h"

namespace strata::vmm::boot {

struct MmioDeviceDesc {
    uint64_t base;
    uint64_t size;
    uint32_t irq;
};

// "<user> virtio_mmio.device=4K@0xd0000000:5 ...", single spaces, no trailing space.
std::string build_cmdline(std::string_view user, std::span<const MmioDeviceDesc> devices);
// Fails if the line (without its NUL) is longer than `limit` bytes or contains a NUL.
Result<> check_cmdline(std::string_view cmdline, uint32_t limit);

}  // namespace strata::vmm::boot
