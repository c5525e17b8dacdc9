#pragma once
// A container's share of the store: containers/<id>/ holds its bundle (config.json and the
// rootfs mount point), its writable layer (upper/, work/) and image.json, the record that the
// container uses the image — rmi and prune read it, so nothing it mounts is removed under it.
// The runtime takes the mount and the directory over (CreateOptions::owned_mounts/paths) and
// releases them at `delete`.

#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "image/overlay.h"
#include "image/run_spec.h"
#include "image/store.h"

namespace strata::image {

struct ContainerRef {
    std::string id, image, manifest, config;
    std::vector<std::string> diff_ids;
    std::string runtime_root;  // --root of the runtime that runs it
};

struct PrepareOptions {
    std::string image;         // as typed on the command line
    std::string id;            // already validated by the runtime's id rule
    std::string runtime_root;
    RunSpecOptions spec;
    LowerSyntax lower_syntax = LowerSyntax::automatic;
};

class PreparedContainer {
public:
    PreparedContainer() = default;
    PreparedContainer(PreparedContainer&& o) noexcept;
    PreparedContainer& operator=(PreparedContainer&&) = delete;
    // Unmounts and removes everything prepare() made, unless released.
    ~PreparedContainer();
    // The runtime owns the mount and the directory now.
    void release();

    std::string id, bundle, rootfs, image_name;
    double mount_ms = 0;  // how long the overlay mount took (bench/image.sh reports it)

private:
    friend Result<PreparedContainer> prepare_container(const Store&, const PrepareOptions&);
    bool m_armed = false;
    UniqueFd m_lock;  // image.json, flock()ed while prepare's caller has not handed over yet
};

// Resolves the image, mounts its layers under a new writable layer and writes config.json.
Result<PreparedContainer> prepare_container(const Store& store, const PrepareOptions& opts);

// The records of every container directory in the store.
Result<std::vector<ContainerRef>> container_refs(const Store& store);
// True if the container's directory is an orphan: its runtime state is gone and no strata
// process is still setting it up. (A crash between prepare and create leaves these.)
bool container_orphaned(const Store& store, const ContainerRef& ref);
// Unmounts and removes one container directory.
Result<> remove_container_dir(const Store& store, const std::string& id);

}  // namespace strata::image
