#include "vm/backend/backend_select.h"

#include "base/strings.h"
#include "vm/backend/own/own_backend.h"
#include "vm/backend/qemu/qemu_backend.h"

namespace strata::vm {
namespace {

std::string why_no_kvm(const HostVirt& host) {
    if (host.cpu_flag.empty())
        return "the CPU shows no vmx/svm flag, so " + std::string(host.kvm_device ? "/dev/kvm (present) is not hardware-accelerated" : "there is no hardware virtualization") +
               " (" + host.kvm_detail + ")";
    return "vmx/svm is present but " + host.kvm_detail;
}

}  // namespace

Result<BackendChoice> choose_backend(const HostVirt& host, std::string_view requested) {
    BackendChoice c;
    if (requested == "own") {
        if (!kOwnVmmBuilt) return error("vm backend \"own\": strata's own VMM is not part of this build (use qemu)");
        if (!host.kvm_accelerated()) return error("vm backend \"own\" needs hardware virtualization: " + why_no_kvm(host));
        c.kind = BackendKind::own;
        c.kvm = true;
        c.reason = "requested with --vm-backend own";
        return c;
    }
    if (!requested.empty() && requested != "auto" && requested != "qemu")
        return error("unknown vm backend " + quote(requested) + " (own or qemu)");
    if (requested.empty() || requested == "auto") {
        if (host.kvm_accelerated() && kOwnVmmBuilt) {
            c.kind = BackendKind::own;
            c.kvm = true;
            c.reason = "the CPU has " + host.cpu_flag + " and /dev/kvm works: strata's own VMM";
            return c;
        }
    }
    c.kind = BackendKind::qemu;
    c.kvm = host.kvm_accelerated();
    if (requested == "qemu") c.reason = "requested with --vm-backend qemu; ";
    if (c.kvm)
        c.reason += "QEMU microvm with KVM (the CPU has " + host.cpu_flag + " and /dev/kvm works" +
                    (kOwnVmmBuilt ? "" : "; strata's own VMM is not part of this build") + ")";
    else
        c.reason += "QEMU microvm with its software CPU (TCG): " + why_no_kvm(host);
    if (host.qemu.empty()) return error("the vm substrate needs qemu-system-x86_64 (apt-get install qemu-system-x86)");
    return c;
}

Result<std::unique_ptr<Backend>> make_backend(const BackendChoice& choice, const HostVirt& host) {
    if (choice.kind == BackendKind::own) return std::unique_ptr<Backend>(std::make_unique<OwnBackend>());
    return std::unique_ptr<Backend>(std::make_unique<QemuBackend>(host.qemu));
}

nlohmann::json describe_virtualization(const HostVirt& host) {
    return {{"cpuVirtualization", host.cpu_flag.empty() ? "none" : host.cpu_flag},
            {"kvmDevice", host.kvm_device},
            {"kvmDetail", host.kvm_detail},
            {"kvmAccelerated", host.kvm_accelerated()},
            {"qemu", host.qemu.empty() ? nlohmann::json(nullptr) : nlohmann::json(host.qemu)},
            {"ownVmmBuilt", kOwnVmmBuilt},
            {"tscKHz", host.tsc_khz}};
}

}  // namespace strata::vm
