// compare: the bare metal vs container vs micro-VM table, measured here.

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "base/strings.h"
#include "cli/command.h"
#include "compare/machine.h"
#include "compare/measure.h"
#include "compare/interrupt.h"
#include "compare/report.h"
#include "sys/file.h"

namespace strata::cli {
namespace {

// A one-line progress bar on stderr, redrawn in place; silent when stderr is not a terminal.
void progress_bar(double f, const std::string& what) {
    static bool tty = ::isatty(STDERR_FILENO);
    if (!tty) return;
    int width = 30, filled = static_cast<int>(f * width);
    std::string bar(static_cast<size_t>(filled), '=');
    bar += std::string(static_cast<size_t>(width - filled), ' ');
    std::string line = what.substr(0, 50);
    std::fprintf(stderr, "\r[%s] %3d%% %-50s", bar.c_str(), static_cast<int>(f * 100), line.c_str());
    if (f >= 1.0) std::fprintf(stderr, "\r%*s\r", 90, "");
    std::fflush(stderr);
}

}  // namespace

void add_compare(CLI::App& app, Globals& g) {
    static compare::Options o;
    static bool json = false, markdown = false, keep = false;
    static std::string svg, only;
    static int runs = 0;
    auto* sub = app.add_subcommand("compare", "measure bare metal, containers and micro-VMs on this machine");
    sub->add_option("--runs,-n", runs, "startup runs per column (default 10; micro-VMs half)");
    sub->add_flag("--thorough", o.thorough, "more runs and larger samples (takes minutes)");
    sub->add_flag("--json", json, "print JSON (docs/compare.schema.json) instead of the table");
    sub->add_flag("--markdown", markdown, "print a Markdown table");
    sub->add_option("--svg", svg, "also write startup and CPU-overhead charts to this SVG file");
    sub->add_option("--only", only, "columns to run: bare,container,crun,runc,vm,vm-boot,qemu,qemu-restore");
    sub->add_option("--budget", o.budget_mib, "memory budget the density count fills, MiB (default 2048; at most 200 containers, 20 VMs)");
    sub->add_flag("--keep-workdir", keep, "keep the work directory (bundles, logs)");
    sub->parse_complete_callback([&g] {
        g.command = []() -> Result<int> {
            if (o.thorough) {
                o.startup_runs = 30;
                o.cpu_runs = 5;
                o.density_cap = 1000;
                o.vm_density_cap = 50;
                o.io_mib = 128;
                o.cpu_iterations *= 3;
                o.syscalls *= 3;
            }
            if (runs > 0) o.startup_runs = runs;
            if (!only.empty()) o.only = split_nonempty(only, ',');
            char tmpl[] = "/var/tmp/strata-compare.XXXXXX";
            if (!::mkdtemp(tmpl)) return os_error(errno, "create a work directory in /var/tmp");
            std::string dir = tmpl;
            std::string self = STRATA_TRY(sys::readlink("/proc/self/exe"));
            // Which runtimes' roots an interruption must empty (the probe path does not matter there).
            auto cleanup_columns = compare::make_columns(self, dir, "");
            return compare::run_interruptible(cleanup_columns, dir, keep, [&]() -> Result<int> {
                auto t0 = std::chrono::steady_clock::now();
                auto result = [&]() -> Result<compare::Report> {
                    compare::Workload w = STRATA_TRY(compare::make_workload(dir));
                    compare::Report r;
                    r.machine = compare::describe_machine();
                    r.options = o;
                    r.date = rfc3339_now();
                    r.columns = STRATA_TRY(compare::measure(compare::make_columns(self, dir, w.probe), w, o, progress_bar));
                    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                    return r;
                }();
                if (!keep) (void)sys::remove_tree(dir);
                compare::Report r = STRATA_TRY(std::move(result));
                if (json) std::cout << compare::to_json(r).dump(2) << "\n";
                else if (markdown) std::cout << compare::to_markdown(r);
                else std::cout << compare::to_table(r);
                if (!svg.empty()) {
                    STRATA_TRY(compare::write_svg(r, svg));
                    if (!json) std::cout << "\nchart: " << STRATA_TRY(sys::absolute(svg)) << "\n";
                }
                if (keep) std::cerr << "work directory kept: " << dir << "\n";
                return 0;
            });
        };
    });
}

}  // namespace strata::cli
