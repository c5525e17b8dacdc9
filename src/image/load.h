#pragma once
// `strata load`: images from an OCI image layout (directory or oci-archive tar) or a
// docker-archive tar (`docker save` / `podman save`) into the store. Each image is all or
// nothing: every blob is verified and every new layer unpacked into staging before anything
// is moved into the store, so a corrupt blob leaves the store as it was.

#include <functional>
#include <string>
#include <vector>

#include "base/result.h"
#include "image/store.h"

namespace strata::image {

struct LoadOptions {
    std::string input;  // -i
    std::string tag;    // --tag NAME[:TAG]: the name instead of the archive's own names
    // Called with one line per step ("Copying blob sha256:ab12... (new)").
    std::function<void(const std::string&)> progress;
};

struct LoadedImage {
    std::string manifest, config;
    std::vector<std::string> names;
    int new_layers = 0, reused_layers = 0;
};

Result<std::vector<LoadedImage>> load(const Store& store, const LoadOptions& opts);

}  // namespace strata::image
