#pragma once
// The image form of `strata run` (cmd_image_run.cc); cmd_lifecycle.cc's `run` decides which
// form a command line is (see add_run).

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "cli/command.h"

namespace strata::cli {

// Flags only the image form has.
struct ImageRunFlags {
    std::string name, user, workdir, memory;
    std::string pull = "missing";  // Podman's --pull policy: missing, always, never
    std::vector<std::string> env, volumes;
    double cpus = 0;
    bool rm = false, read_only = false, tty = false, interactive = false, tls_verify = true;
};
void add_image_run_flags(CLI::App* sub, ImageRunFlags& f);
// True if any of them is on the command line.
bool image_run_flags_used(const CLI::App* sub);

// Flags both forms share.
struct RunCommon {
    bool detach = false, no_pivot = false;
    std::string pid_file, substrate, vm_kernel, vm_backend, vm_template;
    int preserve_fds = 0;
};
// `args` = IMAGE [COMMAND...].
Result<int> run_image(const Globals& g, const ImageRunFlags& f, const RunCommon& c,
                      const std::vector<std::string>& args);

}  // namespace strata::cli
