#pragma once
// Adding one layer to the store: unpack into a staging directory, compare both digests, and
// only then move it into layers/. A layer that fails anything leaves nothing behind.

#include <string>

#include "base/result.h"
#include "image/layer_reader.h"
#include "image/store.h"
#include "image/unpack.h"

namespace strata::image {

struct StagedLayer {
    StagingDir dir;  // holds diff/ and size
    std::string diff_id;
    LayerDigests digests;
    UnpackStats stats;
};

// Unpacks the layer blob in `src` and verifies it: its bytes against `blob_digest` (skipped
// when empty, as for docker-archive layers, which have none of their own) and the uncompressed
// tar against `diff_id`. `what` names it in errors.
Result<StagedLayer> stage_layer(const Store& store, FileRange src, const std::string& blob_digest,
                                const std::string& diff_id, const std::string& what);

// The sha256 of the bytes in `src` (for blobs that are not unpacked, and for error messages).
Result<std::string> hash_range(FileRange src);

// Moves a staged layer into place (another import may have got there first: fine), after a
// syncfs: its content is on disk before it has its name.
Result<> commit_layer(const Store& store, StagedLayer& layer);

}  // namespace strata::image
