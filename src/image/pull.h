#pragma once
// `strata pull`: an image from an OCI distribution registry into the store. A manifest list is
// resolved to linux/amd64; layers already in the store are not downloaded; the rest download in
// parallel, each verified, unpacked and added to the store as soon as it is complete, so an
// interrupted pull resumes where it stopped.

#include <functional>
#include <string>

#include "base/result.h"
#include "image/registry/client.h"
#include "image/store.h"

namespace strata::image {

struct PullOptions {
    std::string reference;  // HOST[:PORT]/NAME[:TAG|@DIGEST]
    registry::ClientOptions client;
    int jobs = 3;           // parallel layer downloads
    bool tty = false;       // progress bar instead of lines
    std::function<void(const std::string&)> out;  // progress text (stderr in the CLI)
};

struct Pulled {
    std::string name, manifest, config;
    int downloaded = 0, present = 0;
};

Result<Pulled> pull(const Store& store, const PullOptions& opts);

}  // namespace strata::image
