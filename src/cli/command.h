#pragma once
// What every subcommand shares: the global flags, and the one function main runs after parsing.

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "base/result.h"

namespace strata::cli {

struct Globals {
    std::string root;              // --root (default /run/strata, or $XDG_RUNTIME_DIR/strata)
    std::string log;               // --log
    std::string log_format = "text";
    bool debug = false;
    bool systemd_cgroup = false;   // accepted for compatibility; strata manages cgroupfs itself
    std::string rootless = "auto";
    std::string data_root = "/var/lib/strata";  // --data-root: the image store

    // Set by the chosen subcommand's parse callback; run by main after logging is configured.
    std::function<Result<int>()> command;
    // Commands that may pass fds into a container close every other inherited fd first.
    int close_fds_from = -1;
};

// Each registers one subcommand on `app`.
void add_create(CLI::App& app, Globals& g);
void add_start(CLI::App& app, Globals& g);
void add_state(CLI::App& app, Globals& g);
void add_kill(CLI::App& app, Globals& g);
void add_delete(CLI::App& app, Globals& g);
void add_run(CLI::App& app, Globals& g);
void add_list(CLI::App& app, Globals& g);
void add_spec(CLI::App& app, Globals& g);
void add_features(CLI::App& app, Globals& g);
// load, pull, images, rmi, image inspect, prune (cmd_image.cc).
void add_image_commands(CLI::App& app, Globals& g);

// Resolves --bundle (default: the current directory) to an absolute path.
Result<std::string> bundle_path(const std::string& flag);

// Result<void> -> exit code 0.
inline Result<int> ok(Result<> r) {
    if (!r) return std::unexpected(r.error());
    return 0;
}

}  // namespace strata::cli
