#pragma once
// `exec`: a new process inside a running container - every namespace joined, the cgroup joined,
// the container's security settings applied - as runc does.

#include <string>
#include <vector>

#include "base/result.h"

namespace strata::runtime {

struct ExecOptions {
    std::string root, id;
    std::string process_file;          // --process: a full process JSON (containerd, Podman)
    std::vector<std::string> args;     // the command, when no --process
    bool tty = false;
    std::string console_socket, pid_file;
    bool detach = false;
    std::string cwd;
    std::vector<std::string> env;      // KEY=VALUE, added to/overriding the config's
    std::string user;                  // uid[:gid] or name[:group]
    std::vector<uint32_t> additional_gids;
    std::vector<std::string> caps;     // added to bounding/effective/permitted (never inheritable)
    bool no_new_privs = false;
    int preserve_fds = 0;
    bool ignore_paused = false;
};

// Foreground: the process's exit status (128+N for a signal). Detached: 0 once it runs.
Result<int> exec(const ExecOptions& opts);

}  // namespace strata::runtime
