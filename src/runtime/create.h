#pragma once
// `create`: everything up to the OCI "created" state. The init process is left blocked before the
// exec of the user's process, waiting for `start` (or, for `run`, for the 'go' on its sync socket).

#include <string>

#include "base/result.h"
#include "base/unique_fd.h"
#include "runtime/container_dir.h"
#include "runtime/state.h"
#include "spec/spec.h"

namespace strata::runtime {

struct CreateOptions {
    std::string root;            // --root
    std::string id;
    std::string bundle;          // absolute
    std::string pid_file;
    std::string console_socket;
    bool no_pivot = false;
    int preserve_fds = 0;        // fds 3 .. 3+n-1 are passed to the container
    bool for_run = false;        // keep the sync socket instead of listening for `start`
    bool relay_terminal = false; // foreground run: strata itself relays a terminal
    std::string substrate;       // --substrate: overrides the org.strata.substrate annotation
    std::vector<std::string> extra_env;  // added to process.env (LISTEN_FDS, LISTEN_PID)
    std::string vm_kernel;       // --vm-kernel: the guest kernel (vm substrate)
    std::string vm_backend;      // --vm-backend: own | qemu (vm substrate; default: automatic)
    std::string vm_template;     // --vm-template: auto | off (vm substrate; default: the annotation, else auto)
    // Host resources the container owns from now on (e.g. an image's overlay mount and writable
    // layer): `delete` detaches these mounts and removes these paths. On a failed create they stay
    // the caller's.
    std::vector<std::string> owned_mounts, owned_paths;
};

struct Created {
    ContainerDir dir;  // locked until the caller lets go
    State state;
    spec::Spec spec;
    UniqueFd sync;     // run mode: the init's sync socket, to send 'go' on
    UniqueFd pidfd;
    UniqueFd pty_master;  // relay_terminal: the container's pty, to relay
};

Result<Created> create(const CreateOptions& opts);

// Reads and validates <bundle>/config.json.
Result<spec::Spec> load_bundle_config(const std::string& bundle, std::string* raw = nullptr);

// Writes `pid` to `path` atomically (runc's format: the number, no newline).
Result<> write_pid_file(const std::string& path, pid_t pid);

}  // namespace strata::runtime
