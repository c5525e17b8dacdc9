#pragma once
// The config.json `strata spec` writes: runc's default (read-only root, masked and read-only
// /proc paths, three capabilities, no_new_privs) plus strata's hardening.

#include <nlohmann/json_fwd.hpp>
#include <string>

namespace strata::spec {

struct DefaultSpecOptions {
    // Also a non-root user (65534), every capability dropped and /tmp as a tmpfs.
    bool hardened = false;
    // A user namespace mapping root to the caller (for unprivileged users).
    bool rootless = false;
    uint32_t rootless_uid = 0, rootless_gid = 0;
};

std::string default_spec_json(const DefaultSpecOptions& opts);
// The same document as a json value (image run builds on it).
nlohmann::json default_spec(const DefaultSpecOptions& opts);

}  // namespace strata::spec
