#include "image/gc.h"

#include <fcntl.h>

#include <set>

#include "base/fault.h"
#include "base/strings.h"
#include "image/container.h"
#include "image/digest.h"
#include "image/index.h"
#include "sys/file.h"

namespace strata::image {
namespace {

struct InUse {
    std::set<std::string> layers, blobs;
};

InUse in_use(const Index& index, const std::vector<ContainerRef>& refs) {
    InUse u;
    for (const auto& [m, r] : index.images()) {
        u.blobs.insert(r.manifest);
        u.blobs.insert(r.config);
        u.layers.insert(r.diff_ids.begin(), r.diff_ids.end());
    }
    for (const auto& c : refs) {
        u.layers.insert(c.diff_ids.begin(), c.diff_ids.end());
        if (!c.manifest.empty()) u.blobs.insert(c.manifest);
        if (!c.config.empty()) u.blobs.insert(c.config);
    }
    return u;
}

}  // namespace

Result<RemoveReport> remove_image(const Store& store, const std::string& ref) {
    FileLock gc = STRATA_TRY(store.lock("gc", true));
    STRATA_TRY(store.clean_temps());
    FileLock il = STRATA_TRY(store.lock("index", true));
    Index index = STRATA_TRY(load_index(store));
    const ImageRecord* found = STRATA_TRY(index.find(ref));
    ImageRecord img = *found;
    RemoveReport rep;
    std::string tag = index.find_tag(ref);
    if (!tag.empty() && index.names_of(img.manifest).size() > 1) {
        index.remove_tag(tag);
        STRATA_TRY(save_index(store, index));
        rep.untagged.push_back(tag);
        return rep;
    }
    auto refs = STRATA_TRY(container_refs(store));
    for (const auto& c : refs)
        if (c.manifest == img.manifest || c.config == img.config)
            return error("image " + quote(ref) + " is in use by container " + quote(c.id) +
                                       " (delete the container first)");
    rep.untagged = index.names_of(img.manifest);
    index.remove(img.manifest);
    STRATA_TRY(save_index(store, index));
    fault::point("rmi.indexed");
    rep.deleted = img.config;

    // Its content goes unless another image or a container still has it.
    InUse u = in_use(index, refs);
    std::set<std::string> layers(img.diff_ids.begin(), img.diff_ids.end());
    for (const auto& d : layers)
        if (!u.layers.count(d)) {
            STRATA_TRY(store.remove_layer(d));
            fault::point("rmi.layer");
            ++rep.layers;
        }
    for (const auto& b : {img.manifest, img.config})
        if (!u.blobs.count(b)) {
            STRATA_TRY(store.remove_blob(b));
            ++rep.blobs;
        }
    return rep;
}

Result<PruneReport> prune(const Store& store) {
    FileLock gc = STRATA_TRY(store.lock("gc", true));
    FileLock il = STRATA_TRY(store.lock("index", true));
    Index index = STRATA_TRY(load_index(store));
    PruneReport rep;
    auto refs = STRATA_TRY(container_refs(store));
    std::vector<ContainerRef> live;
    for (const auto& c : refs) {
        if (container_orphaned(store, c)) {
            STRATA_TRY(remove_container_dir(store, c.id));
            ++rep.containers;
        } else {
            live.push_back(c);
        }
    }
    // A container directory without a readable record might use anything: keep everything.
    for (const auto& c : live)
        if (c.manifest.empty()) return error("container directory " + quote(c.id) + " has no image.json: remove it or retry");
    InUse u = in_use(index, live);

    for (const auto& hex : STRATA_TRY(list_dir(store.fd(), "layers"))) {
        std::string d = "sha256:" + hex;
        if (!valid_digest(d) || u.layers.count(d)) continue;
        STRATA_TRY(store.remove_layer(d));
        fault::point("prune.layer");
        ++rep.layers;
    }
    for (const auto& hex : STRATA_TRY(list_dir(store.fd(), "blobs/sha256"))) {
        std::string d = "sha256:" + hex;
        if (!valid_digest(d) || u.blobs.count(d)) continue;
        STRATA_TRY(store.remove_blob(d));
        ++rep.blobs;
    }
    // No import holds the gc lock now: whatever is in tmp/ is left from one that crashed.
    rep.temp = STRATA_TRY(store.clean_temps());
    // Short links whose layer is gone.
    for (const auto& name : STRATA_TRY(list_dir(store.fd(), "l"))) {
        std::string rel = "l/" + name;
        if (::faccessat(store.fd(), rel.c_str(), F_OK, 0) < 0 && errno == ENOENT)
            (void)sys::unlinkat(store.fd(), rel, 0);
    }
    return rep;
}

}  // namespace strata::image
