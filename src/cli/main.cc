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
                         "strata version 0.1.0\ncommit: " STRATA_COMMIT "\nspec: 1.2.0");
    app.require_subcommand(1);
    app.fallthrough();
    app.add_option("--root", g.root, "directory for container state")->capture_default_str();
    app.add_option("--log", g.log, "log file (default stderr)");
    app.add_option("--log-format", g.log_format, "text or json")->check(CLI::IsMember({"text", "json"}));
    app.add_flag("--debug", g.debug, "log debug messages");
    app.add_flag("--systemd-cgroup", g.systemd_cgroup, "accepted for runc compatibility (cgroupfs is used)");
    app.add_option("--rootless", g.rootless, "accepted for runc compatibility");
    app.add_option("--data-root", g.data_root, "directory of the image store")->capture_default_str();
    add_create(app, g);
    add_start(app, g);
    add_state(app, g);
    add_kill(app, g);
    add_delete(app, g);
    add_run(app, g);
    add_list(app, g);
    add_spec(app, g);
    add_features(app, g);
    add_image_commands(app, g);

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

int main(int argc, char** argv) { return strata::cli::main(argc, argv); }
