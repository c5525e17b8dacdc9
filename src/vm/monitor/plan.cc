#include "vm/monitor/plan.h"

#include <algorithm>

#include "base/strings.h"

namespace strata::vm {
namespace {

Result<uint64_t> annotation_number(const spec::Spec& spec, const char* key, uint64_t min, uint64_t max) {
    std::string text = spec.annotation(key);
    auto v = parse_uint(text);
    if (!v || *v < min || *v > max)
        return error(std::string("config.json: .annotations[\"") + key + "\"]: " + quote(text) + " is not a number from " +
                     std::to_string(min) + " to " + std::to_string(max));
    return *v;
}

}  // namespace

unsigned cpuset_size(const std::string& list) {
    unsigned n = 0;
    for (const auto& part : split_nonempty(list, ',')) {
        auto dash = part.find('-');
        auto lo = parse_uint(part.substr(0, dash));
        auto hi = dash == std::string::npos ? lo : parse_uint(part.substr(dash + 1));
        if (!lo || !hi || *hi < *lo) return 0;
        n += static_cast<unsigned>(*hi - *lo + 1);
    }
    return n;
}

uint64_t memory_class_mib(uint64_t limit_mib) {
    uint64_t need = limit_mib + kGuestReserveMib, mib = 128;
    while (mib < need && mib < (uint64_t(1) << 40)) mib *= 2;
    return mib;
}

Result<VmPlan> plan_vm(const spec::Spec& spec, const std::string& kernel_flag, const std::string& backend_flag,
                       const std::string& template_flag) {
    VmPlan p;
    const spec::Resources* r = spec.linux && spec.linux->resources ? &*spec.linux->resources : nullptr;
    if (r && r->cpu) {
        const auto& c = *r->cpu;
        if (c.quota && *c.quota > 0) {
            uint64_t period = c.period && *c.period ? *c.period : 100000;
            p.vcpus = static_cast<unsigned>((uint64_t(*c.quota) + period - 1) / period);
        } else if (unsigned n = cpuset_size(c.cpus)) {
            p.vcpus = n;
        }
    }
    p.vcpus = std::clamp(p.vcpus, 1u, kMaxVcpus);
    if (r && r->memory && r->memory->limit && *r->memory->limit > 0) {
        uint64_t mib = (uint64_t(*r->memory->limit) + (1 << 20) - 1) >> 20;
        p.mem_mib = memory_class_mib(mib);
    }
    if (!spec.annotation(kCpusAnnotation).empty())
        p.vcpus = static_cast<unsigned>(STRATA_TRY(annotation_number(spec, kCpusAnnotation, 1, kMaxVcpus)));
    if (!spec.annotation(kMemoryAnnotation).empty())
        p.mem_mib = STRATA_TRY(annotation_number(spec, kMemoryAnnotation, kMinMemMib, 1 << 20));
    std::string mode = spec.annotation(kRootfsAnnotation, "auto");
    if (mode == "erofs") p.rootfs = RootfsMode::erofs;
    else if (mode == "initramfs") p.rootfs = RootfsMode::initramfs;
    else if (mode != "auto")
        return error(std::string("config.json: .annotations[\"") + kRootfsAnnotation + "\"]: " + quote(mode) +
                     " is not auto, erofs or initramfs");
    std::string tmpl = template_flag.empty() ? spec.annotation(kTemplateAnnotation, "auto") : template_flag;
    if (tmpl == "off") p.booted_template = false;
    else if (tmpl != "auto")
        return error(std::string("config.json: .annotations[\"") + kTemplateAnnotation + "\"]: " + quote(tmpl) +
                     " is not auto or off");
    p.kernel = kernel_flag.empty() ? spec.annotation(kKernelAnnotation) : kernel_flag;
    p.backend = backend_flag.empty() ? spec.annotation(kBackendAnnotation) : backend_flag;
    return p;
}

std::string guest_cmdline(bool kvm, uint64_t tsc_khz) {
    // reboot=t: the agent's final reboot(2) becomes a triple fault, which ends the VM at once
    // (QEMU runs with -no-reboot; microvm has no i8042, so reboot=k first waits ~1.4 s for it).
    // panic=-1: a guest panic ends the VM too instead of hanging. quiet: every console line costs
    // emulated UART writes (errors still reach console.log in the container's state dir).
    std::string c = "console=ttyS0 quiet reboot=t panic=-1 rdinit=/init 8250.nr_uarts=1 "
                    "i8042.noaux i8042.nomux i8042.nopnp i8042.dumbkbd cryptomgr.notests";
    // Under emulation the guest reads the host's TSC; without the rate a third of boots hang
    // calibrating it against the emulated PIT.
    if (!kvm && tsc_khz) c += " tsc_early_khz=" + std::to_string(tsc_khz);
    return c;
}

}  // namespace strata::vm
