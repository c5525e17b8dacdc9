// vm kernel build | vm kernel --path: strata's guest kernel.

#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "base/strings.h"
#include "cli/command.h"
#include "vm/assets/assets.h"
#include "vm/assets/kernel_build.h"

namespace strata::cli {

void add_vm(CLI::App& app, Globals& g) {
    static bool print_path = false;
    static unsigned jobs = 0;
    static bool verbose = false;
    auto* vm = app.add_subcommand("vm", "micro-VM assets");
    vm->require_subcommand(1);
    auto* kernel = vm->add_subcommand("kernel", "the guest kernel: --path prints the one VMs use");
    kernel->add_flag("--path", print_path, "print the path of the guest kernel VMs boot");
    auto* build = kernel->add_subcommand("build", "build strata's minimal guest kernel (once; cached)");
    build->add_option("-j,--jobs", jobs, "parallel compile jobs (default: every CPU)");
    build->add_flag("--verbose", verbose, "print the build's output");
    kernel->parse_complete_callback([&g, kernel] {
        if (kernel->got_subcommand("build")) return;
        g.command = []() -> Result<int> {
            if (!print_path) return error("vm kernel: use --path or build");
            vm::Kernel k = STRATA_TRY(vm::find_kernel(""));
            std::cout << k.path << "\n";
            if (k.kind != vm::KernelKind::strata) std::cerr << "strata: note: " << k.origin << "\n";
            return 0;
        };
    });
    build->parse_complete_callback([&g] {
        g.command = []() -> Result<int> {
            bool tty = ::isatty(2);
            vm::KernelBuildOptions o;
            o.jobs = jobs;
            if (verbose) o.on_line = [](const std::string& l) { std::cerr << l << "\n"; };
            std::string last_stage;
            o.on_progress = [&](const vm::KernelBuildProgress& p) {
                if (p.stage == "done") return;
                if (tty && !verbose) {
                    // One line redrawn in place: stage and compiled objects.
                    unsigned pct = p.expected ? std::min(99u, p.compiled * 100 / p.expected) : 0;
                    std::fprintf(stderr, "\r\033[Kbuilding the guest kernel: %s", p.stage.c_str());
                    if (p.stage == "compile") std::fprintf(stderr, " %u/~%u objects (%u%%)", p.compiled, p.expected, pct);
                } else if (p.stage != last_stage) {
                    std::fprintf(stderr, "building the guest kernel: %s\n", p.stage.c_str());
                }
                last_stage = p.stage;
            };
            auto path = vm::build_kernel(o);
            if (tty && !verbose && !last_stage.empty()) std::fprintf(stderr, "\r\033[K");
            if (!path) return std::unexpected(path.error());
            std::cout << *path << "\n";
            return 0;
        };
    });
}

}  // namespace strata::cli
