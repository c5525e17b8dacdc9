#include "vmm/boot/cmdline.h"

#include "base/strings.h"
#include "vmm/format.h"

namespace strata::vmm::boot {
namespace {

std::string size_string(uint64_t size) {
    if (size % 1024 == 0) return std::to_string(size / 1024) + "K";
    return hex(size);
}

}  // namespace

std::string build_cmdline(std::string_view user, std::span<const MmioDeviceDesc> devices) {
    std::string out(trim(user));
    for (const auto& d : devices) {
        if (!out.empty()) out += ' ';
        out += "virtio_mmio.device=" + size_string(d.size) + "@" + hex(d.base) + ":" + std::to_string(d.irq);
    }
    return out;
}

Result<> check_cmdline(std::string_view cmdline, uint32_t limit) {
    if (cmdline.find('\0') != std::string_view::npos) return error("kernel command line contains a NUL byte");
    if (cmdline.size() > limit)
        return error("kernel command line of " + std::to_string(cmdline.size()) +
                     " bytes is longer than the kernel's limit of " + std::to_string(limit));
    return {};
}

}  // namespace strata::vmm::boot
