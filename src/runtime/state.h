#pragma once
// A container's persisted state (<root>/<id>/state.json): the OCI state fields plus what strata
// needs to find everything again after its own process is long gone.

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace strata::runtime {

enum class Status { creating, created, running, paused, stopped };
std::string_view status_name(Status s);

struct State {
    std::string oci_version = "1.2.0";
    std::string id;
    Status status = Status::creating;  // as stored; see current_status()
    pid_t pid = 0;
    uint64_t pid_start_time = 0;  // /proc/<pid>/stat field 22: guards against pid reuse
    std::string bundle;
    std::string rootfs;
    std::string created;  // RFC 3339
    std::string owner;
    std::map<std::string, std::string> annotations;
    std::string substrate = "container";  // container | bare | vm
    nlohmann::json cgroup;                 // the cgroup manager's own record (paths per hierarchy)
    nlohmann::json extra;                  // backend-specific (vm: pids, sockets, temp dirs)
    bool new_pid_namespace = true;
    std::vector<std::string> owned_mounts, owned_paths;  // released by delete
    // vm: a pod VM's further container runs in its sandbox's VM: the sandbox's id ("" otherwise).
    std::string pod_sandbox;

    nlohmann::json to_json() const;
    static Result<State> from_json(const std::string& text, const std::string& where);
    // The document `strata state` prints (runc's fields: ociVersion id pid status bundle rootfs
    // created owner annotations).
    nlohmann::json public_json(Status current) const;
};

}  // namespace strata::runtime
