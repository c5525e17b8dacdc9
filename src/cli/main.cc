// strata: an OCI runtime. This file only parses argv (runc's flags) and dispatches.

#include <linux/close_range.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "base/log.h"
#include "base/strings.h"
#include "cli/command.h"
#include "sys/file.h"

namespace strata::cli {
namespace {

std::string default_root() {
    const char* xdg = std::getenv("XDG_RUNTIME_DIR");
    if (::geteuid() != 0 && xdg && *xdg) return std::string(xdg) + "/strata";
    return "/run/strata";
}

// runc's checkpoint and restore (CRIU): engines call them (containerd, Podman), so they get a
// clear refusal rather than CLI11's "A subcommand is required". Any flags are accepted.
void add_unsupported(CLI::App& app, Globals& g, const char* name) {
    auto* sub = app.add_subcommand(name, std::string(name) + " (not supported: strata has no CRIU support)");
    sub->allow_extras();
    sub->fallthrough(false);
    sub->prefix_command();
    sub->callback([&g, name] {
        g.command = [name]() -> Result<int> {
            return error(std::string(name) + " is not supported: strata cannot checkpoint or restore containers (no CRIU support)");
        };
    });
}
void add_checkpoint(CLI::App& app, Globals& g) { add_unsupported(app, g, "checkpoint"); }
void add_restore(CLI::App& app, Globals& g) { add_unsupported(app, g, "restore"); }

using Adder = void (*)(CLI::App&, Globals&);
struct Subcommand {
    const char* name;
    Adder add;
};
// Every subcommand and the function that registers it (aliases share one).
constexpr Subcommand kSubcommands[] = {
    {"create", add_create}, {"start", add_start},   {"state", add_state},   {"kill", add_kill},
    {"delete", add_delete}, {"run", add_run},       {"list", add_list},     {"ls", add_list},
    {"spec", add_spec},     {"features", add_features}, {"pause", add_pause}, {"resume", add_pause},
    {"ps", add_ps},         {"events", add_events}, {"update", add_update}, {"exec", add_exec},
    {"compare", add_compare}, {"info", add_info}, {"vm", add_vm}, {"vmm", add_vmm},
    {"load", add_load},     {"pull", add_pull},     {"images", add_images}, {"rmi", add_rmi},
    {"image", add_image},   {"prune", add_prune},   {"checkpoint", add_checkpoint}, {"restore", add_restore},
};

bool known_subcommand(const std::string& name) {
    for (const auto& s : kSubcommands)
        if (name == s.name) return true;
    return false;
}

// The subcommand named in argv, found without CLI11: the first word that is neither a global
// flag nor a global flag's value. "" if there is none.
std::string subcommand_name(int argc, char** argv) {
    static const std::string_view kValued[] = {"--root", "--log", "--log-format", "--rootless", "--data-root"};
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (!a.starts_with('-')) return std::string(a);
        if (a.find('=') != std::string_view::npos) continue;
        for (auto v : kValued)
            if (a == v) ++i;
    }
    return "";
}

// Builds CLI11's tables for the one subcommand being run: constructing all of them costs
// ~1 M instructions (measured with callgrind), a third of a container start. Help and unknown
// names get every subcommand, so CLI11 can list them.
void register_subcommands(CLI::App& app, Globals& g, const std::string& name) {
    for (const auto& s : kSubcommands)
        if (name == s.name) {
            s.add(app, g);
            return;
        }
    for (const auto& s : kSubcommands)
        if (std::string_view(s.name) != "ls" && std::string_view(s.name) != "resume") s.add(app, g);
}

int report(const Error& e) {
    log::error(e.message());
    // With --log the caller reads the file; a person at a terminal still wants the line.
    if (log::to_file()) std::cerr << "strata: " << e.message() << "\n";
    return 1;
}

}  // namespace

Result<std::string> bundle_path(const std::string& flag) {
    return sys::absolute(flag.empty() ? "." : flag);
}

int main(int argc, char** argv) {
    Globals g;
    g.root = default_root();
    CLI::App app{"strata: run OCI workloads as containers, micro-VMs or bare processes", "strata"};
    app.set_version_flag("--version,-v",
                         "strata version 0.1.0\ncommit: " STRATA_COMMIT "\nspec: 1.3.0");
    app.require_subcommand(1);
    app.fallthrough();
    app.add_option("--root", g.root, "directory for container state")->capture_default_str();
    app.add_option("--log", g.log, "log file (default stderr)");
    app.add_option("--log-format", g.log_format, "text or json")->check(CLI::IsMember({"text", "json"}));
    app.add_flag("--debug", g.debug, "log debug messages");
    app.add_flag("--systemd-cgroup", g.systemd_cgroup, "accepted for runc compatibility (cgroupfs is used)");
    app.add_option("--rootless", g.rootless, "accepted for runc compatibility");
    app.add_option("--data-root", g.data_root, "directory of the image store")->capture_default_str();
    std::string name = subcommand_name(argc, argv);
    if (!name.empty() && !known_subcommand(name)) {
        log::configure(g.log, log::Format::text, false);
        return report(Error{0, "unknown command " + quote(name) + " (strata --help lists the commands)"});
    }
    register_subcommands(app, g, name);
    if (name == "exec") {
        int cut = exec_command_start(argc, argv);
        g.trailing.assign(argv + cut, argv + argc);
        argc = cut;
    }

    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        log::configure(g.log, g.log_format == "json" ? log::Format::json : log::Format::text, g.debug);
        return report(Error{0, e.what()});
    }
    if (g.close_fds_from >= 3) {
        // Leaked fds of the caller must never reach a container (CVE-2024-21626): close them
        // before strata opens anything of its own.
        ::close_range(static_cast<unsigned>(g.close_fds_from), ~0U, 0);
    }
    log::configure(g.log, g.log_format == "json" ? log::Format::json : log::Format::text, g.debug);
    if (g.systemd_cgroup) log::debug("--systemd-cgroup: strata manages cgroups through cgroupfs");
    auto r = g.command();
    if (!r) return report(r.error());
    return *r;
}

}  // namespace strata::cli
