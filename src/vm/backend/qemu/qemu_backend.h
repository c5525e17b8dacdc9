#pragma once
// The QEMU microvm backend: QEMU as a child of the monitor that can never outlive it
// (PR_SET_PDEATHSIG), in its own session so a terminal's ^C reaches the workload through the
// monitor and not QEMU.

#include <string>

#include "vm/backend/backend.h"

namespace strata::vm {

class QemuBackend : public Backend {
public:
    explicit QemuBackend(std::string qemu) : m_qemu(std::move(qemu)) {}
    std::string_view name() const override { return "qemu"; }
    Result<std::unique_ptr<Vm>> launch(VmConfig config) override;

private:
    std::string m_qemu;
};

}  // namespace strata::vm
