#pragma once
// Removing content: `rmi` (an image, refused while a container uses it) and `prune` (layers and
// blobs that no image and no container references, leftovers in tmp/, and container
// directories whose container is gone). Both hold the store's "gc" lock exclusively, so no
// import, pull or container setup is halfway through while they decide what is unused.

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "image/store.h"

namespace strata::image {

struct RemoveReport {
    std::vector<std::string> untagged;  // names removed
    std::string deleted;                // the image removed ("" if only untagged)
    int layers = 0, blobs = 0;
};

// Removes the name `ref` or, if it is the image's last name (or an ID), the image and the
// layers and blobs only it used.
Result<RemoveReport> remove_image(const Store& store, const std::string& ref);

struct PruneReport {
    int layers = 0, blobs = 0, containers = 0, temp = 0;
};
Result<PruneReport> prune(const Store& store);

}  // namespace strata::image
