#pragma once
// Image references as Docker and Podman write them: [HOST[:PORT]/]PATH[:TAG][@DIGEST]. Pure.

#include <string>
#include <string_view>

#include "base/result.h"

namespace strata::image {

struct Reference {
    std::string registry;    // "localhost:5000", "docker.io", "localhost"
    std::string repository;  // "library/busybox", "team/app"
    std::string tag;         // "latest" when neither a tag nor a digest was given
    std::string digest;      // "sha256:..." or empty

    std::string name() const { return registry + "/" + repository; }
    // name:tag, or name@digest when there is no tag.
    std::string str() const;
    // The host to talk to: Docker Hub's API lives on registry-1.docker.io.
    std::string api_host() const;
};

// The first component names a registry if it has a '.' or ':' or is "localhost" (Docker's
// rule); otherwise the name belongs to `default_registry` — "docker.io" for pulls (with
// "library/" for one-component names), "localhost" for names given to local images (Podman's
// rule for `podman tag`).
Result<Reference> parse_reference(std::string_view s, std::string_view default_registry = "docker.io");

// True if `s` could be a (prefix of an) image ID: 3 to 64 lowercase hex digits, with or
// without "sha256:".
bool looks_like_id(std::string_view s);

}  // namespace strata::image
