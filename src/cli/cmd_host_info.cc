// info: what this host offers each substrate, in particular whether micro-VMs get KVM
// acceleration, which backend runs them and why.

#include <iostream>

#include "base/strings.h"
#include "cli/command.h"
#include "runtime/features.h"
#include "vm/assets/assets.h"
#include "vm/assets/cache.h"
#include "vm/backend/backend_select.h"
#include "vm/template/template.h"

namespace strata::cli {
namespace {

nlohmann::json info_json() {
    const vm::HostVirt& host = vm::host_virt();
    nlohmann::json vmj = vm::describe_virtualization(host);
    auto choice = vm::choose_backend(host, "");
    if (choice) {
        vmj["backend"] = choice->kind == vm::BackendKind::own ? "own" : "qemu";
        vmj["accelerator"] = choice->kvm ? "kvm" : "tcg";
        vmj["reason"] = choice->reason;
    } else {
        vmj["backend"] = nullptr;
        vmj["reason"] = choice.error().message();
    }
    auto kernel = vm::find_kernel("");
    if (kernel)
        vmj["kernel"] = {{"path", kernel->path}, {"kind", vm::kernel_kind_name(kernel->kind)}, {"version", kernel->version},
                         {"origin", kernel->origin}};
    else
        vmj["kernel"] = {{"error", kernel.error().message()}};
    auto template_kernel = kernel ? vm::template_kernel(*kernel) : std::nullopt;
    vmj["templates"] = {{"dir", vm::cache_dir("vm-template")},
                        {"saved", vm::saved_templates()},
                        {"kernel", template_kernel ? nlohmann::json(*template_kernel) : nlohmann::json(nullptr)}};
    vmj["strataKernelDir"] = vm::strata_kernel_dir();
    auto agent = vm::find_agent();
    vmj["agent"] = agent ? nlohmann::json(*agent) : nlohmann::json(agent.error().message());
    return {{"version", "0.1.0"}, {"substrates", {"container", "bare", "vm"}}, {"vm", vmj}};
}

}  // namespace

void add_info(CLI::App& app, Globals& g) {
    static bool json = false;
    auto* sub = app.add_subcommand("info", "what this host offers each substrate (KVM, VM backend, guest kernel)");
    sub->add_flag("--json", json, "print JSON");
    sub->parse_complete_callback([&g] {
        g.command = []() -> Result<int> {
            nlohmann::json j = info_json();
            if (json) {
                std::cout << j.dump(2) << "\n";
                return 0;
            }
            const auto& v = j["vm"];
            std::cout << "strata " << j["version"].get<std::string>() << "\n"
                      << "substrates:       container, bare, vm\n"
                      << "vm backend:       " << (v["backend"].is_null() ? "unavailable" : v["backend"].get<std::string>())
                      << (v.contains("accelerator") ? " (" + v["accelerator"].get<std::string>() + ")" : "") << "\n"
                      << "  why:            " << v["reason"].get<std::string>() << "\n"
                      << "  cpu virt:       " << v["cpuVirtualization"].get<std::string>() << "\n"
                      << "  /dev/kvm:       " << v["kvmDetail"].get<std::string>()
                      << (v["kvmAccelerated"].get<bool>() ? " (hardware-accelerated)" : " (not used: no hardware acceleration)") << "\n"
                      << "  kvm accel:      " << (v["kvmAccelerated"].get<bool>() ? "yes" : "no") << "\n"
                      << "  qemu:           " << (v["qemu"].is_null() ? "not installed" : v["qemu"].get<std::string>()) << "\n"
                      << "  own VMM:        " << (v["ownVmmBuilt"].get<bool>() ? "built" : "not part of this build") << "\n";
            if (v["kernel"].contains("path"))
                std::cout << "  guest kernel:   " << v["kernel"]["path"].get<std::string>() << " ("
                          << v["kernel"]["origin"].get<std::string>() << ")\n";
            else
                std::cout << "  guest kernel:   none: " << v["kernel"]["error"].get<std::string>() << "\n";
            const auto& t = v["templates"];
            if (t["kernel"].is_null())
                std::cout << "  templates:      none: the guest kernel has no bzImage (each VM boots)\n";
            else
                std::cout << "  templates:      " << t["saved"].get<size_t>() << " saved in " << t["dir"].get<std::string>()
                          << " (booting " << t["kernel"].get<std::string>() << ")\n";
            std::cout << "  agent:          " << v["agent"].get<std::string>() << "\n"
                      << "  host TSC:       " << v["tscKHz"].get<uint64_t>() << " kHz\n";
            return 0;
        };
    });
}

}  // namespace strata::cli
