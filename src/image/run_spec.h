#pragma once
// The OCI config of a container run from an image: `strata spec`'s default, then the image's
// config (Entrypoint, Cmd, Env, WorkingDir, User; ExposedPorts is ignored), then the flags of
// `strata run`. Pure: the user's name lookup is passed in as file contents.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace strata::image {

struct RunSpecOptions {
    std::vector<std::string> command;  // CMD... after the image name: replaces the image's Cmd
    std::vector<std::string> env;      // -e KEY=VALUE (or KEY: the caller's value)
    std::vector<std::string> volumes;  // -v HOST:CTR[:ro|:rw]
    std::string user;                  // --user NAME|UID[:GROUP|GID]
    std::string workdir;               // --workdir
    bool read_only = false;            // --read-only
    bool terminal = false;             // -t
    std::optional<int64_t> memory;     // --memory, bytes
    std::optional<double> cpus;        // --cpus
    std::string hostname;
    // A directory holding hosts, hostname and resolv.conf for the container (as Podman writes
    // them), bind-mounted over the image's /etc files unless a -v already targets them.
    std::string identity_dir;
    std::string image_name, image_id;  // recorded as annotations
};

struct UserIds {
    uint32_t uid = 0, gid = 0;
    std::vector<uint32_t> additional_gids;
};

// Resolves "name", "uid", "name:group", "uid:gid" against the image's /etc/passwd and
// /etc/group (contents; empty if the image has none). Numeric ids need no entry; a numeric uid
// without one gets gid 0, as in Docker.
Result<UserIds> resolve_user(const std::string& spec, const std::string& passwd, const std::string& group);

// The user string that applies: --user, else the image's User, else "" (root).
std::string effective_user(const nlohmann::json& image_config, const RunSpecOptions& opts);
// The working directory that applies (absolute): --workdir, else WorkingDir, else "/".
std::string effective_workdir(const nlohmann::json& image_config, const RunSpecOptions& opts);

// /etc/hosts of a container: localhost and its own hostname.
std::string hosts_file(const std::string& hostname);
// /etc/resolv.conf of a container: the host's, less nameservers on the host's loopback, which
// the container's own network namespace cannot reach (systemd-resolved's 127.0.0.53, say).
std::string container_resolv_conf(const std::string& host_resolv_conf);

// The config.json document; `image_config` is the image config's .config object.
Result<nlohmann::json> container_spec(const nlohmann::json& image_config, const RunSpecOptions& opts,
                                      const UserIds& user);

}  // namespace strata::image
