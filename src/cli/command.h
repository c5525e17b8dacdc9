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
    // exec: the words after the container id (split off before CLI11 sees argv).
    std::vector<std::string> trailing;
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
void add_pause(CLI::App& app, Globals& g);  // and resume
void add_ps(CLI::App& app, Globals& g);
void add_events(CLI::App& app, Globals& g);
void add_update(CLI::App& app, Globals& g);
void add_exec(CLI::App& app, Globals& g);
void add_compare(CLI::App& app, Globals& g);
void add_vmm(CLI::App& app, Globals& g);

// For `exec`: the index in argv of the first word after the container id, or argc. Everything from
// there on is the command, whatever it looks like (`exec -t c1 sh -c 'ls -l'`).
int exec_command_start(int argc, char** argv);
void add_info(CLI::App& app, Globals& g);
void add_vm(CLI::App& app, Globals& g);
// The image store's commands (cmd_image.cc).
void add_load(CLI::App& app, Globals& g);
void add_pull(CLI::App& app, Globals& g);
void add_images(CLI::App& app, Globals& g);
void add_rmi(CLI::App& app, Globals& g);
void add_image(CLI::App& app, Globals& g);  // image inspect
void add_prune(CLI::App& app, Globals& g);

// The whole CLI: parses argv, runs the command, returns the exit status (entry.cc's main).
int main(int argc, char** argv);

// Resolves --bundle (default: the current directory) to an absolute path.
Result<std::string> bundle_path(const std::string& flag);

// Result<void> -> exit code 0.
inline Result<int> ok(Result<> r) {
    if (!r) return std::unexpected(r.error());
    return 0;
}

}  // namespace strata::cli
