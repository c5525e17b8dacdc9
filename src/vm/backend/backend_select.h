#pragma once
// Which hypervisor backend runs a micro-VM, and why. strata's own VMM (src/vmm) where the CPU has
// hardware virtualization and /dev/kvm works; QEMU's microvm otherwise (with KVM where it
// accelerates, with its software CPU, TCG, where it does not). `--vm-backend own|qemu` or the
// annotation org.strata.vm.backend override the choice.

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "vm/backend/backend.h"
#include "vm/backend/host.h"

namespace strata::vm {

enum class BackendKind { own, qemu };

// strata's own VMM (src/vmm) is part of this build.
inline constexpr bool kOwnVmmBuilt = true;

struct BackendChoice {
    BackendKind kind = BackendKind::qemu;
    bool kvm = false;        // hardware-accelerated; false = QEMU TCG
    std::string reason;      // one sentence for `strata info` and --debug
};

// `requested`: "" or "auto" (the default choice), "own", "qemu".
Result<BackendChoice> choose_backend(const HostVirt& host, std::string_view requested);
Result<std::unique_ptr<Backend>> make_backend(const BackendChoice& choice, const HostVirt& host);

// The facts behind the choice, for `strata info` and `features`.
nlohmann::json describe_virtualization(const HostVirt& host);

}  // namespace strata::vm
