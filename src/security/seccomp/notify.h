#pragma once
// SCMP_ACT_NOTIFY: what goes to the seccomp agent at listenerPath. The OCI runtime spec's
// "container process state" (JSON) plus the notify fd as SCM_RIGHTS, one per connection.

#include <sys/types.h>

#include <map>
#include <string>

#include "base/result.h"

namespace strata::security::seccomp {

struct ContainerState {
    std::string oci_version = "1.2.0";
    std::string id;
    std::string status;  // "created": the filter is loaded right before the user's exec
    pid_t pid = 0;       // as the runtime (the host) sees it
    std::string bundle;
    std::map<std::string, std::string> annotations;
};

// {"ociVersion","fds":["seccompFd"],"pid","metadata","state":{...}}
std::string container_process_state(const ContainerState& state, const std::string& metadata);

// Connects to the agent's SOCK_STREAM socket at `listener_path` and sends `state_json` with
// `notify_fd` in one sendmsg, then closes the connection.
Result<> send_to_listener(const std::string& listener_path, const std::string& state_json, int notify_fd);

}  // namespace strata::security::seccomp
