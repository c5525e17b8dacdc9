#pragma once
// The micro-VM backend on strata's own VMM (src/vmm): the VM runs on threads inside the monitor
// process, so there is no second process, no QEMU, and a few MiB of VMM memory.

#include "vm/backend/backend.h"

namespace strata::vm {

class OwnBackend final : public Backend {
public:
    std::string_view name() const override { return "own"; }
    // Refuses kernels that need ACPI to find their devices (Debian's modular kernel): the own VMM
    // describes virtio-mmio devices on the command line, which strata's guest kernel reads.
    Result<std::unique_ptr<Vm>> launch(VmConfig config) override;
};

}  // namespace strata::vm
