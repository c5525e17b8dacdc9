#include "image/stage.h"

#include <fcntl.h>

#include "sys/file.h"

namespace strata::image {

Result<StagedLayer> stage_layer(const Store& store, FileRange src, const std::string& blob_digest,
                                const std::string& diff_id, const std::string& what) {
    StagedLayer out;
    out.diff_id = diff_id;
    out.dir = STRATA_TRY(store.staging("layer"));
    STRATA_TRY(sys::mkdirat(out.dir.fd(), "diff", 0755));
    UniqueFd diff = STRATA_TRY(sys::openat(out.dir.fd(), "diff", O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
    auto reader = STRATA_TRY(LayerReader::open(src, what));
    out.stats = STRATA_TRY(unpack(*reader, diff.get()));
    out.digests = STRATA_TRY(reader->finish());
    if (!blob_digest.empty() && out.digests.blob != blob_digest)
        return error(what + ": content does not match its digest (it hashes to " + out.digests.blob + ")");
    if (out.digests.diff_id != diff_id)
        return error(what + ": uncompressed content does not match diff-id " + diff_id + " (it hashes to " +
                     out.digests.diff_id + ")");
    STRATA_TRY(sys::write_file_atomic(out.dir.fd(), "size", std::to_string(out.stats.bytes) + "\n", 0600));
    return out;
}

Result<> commit_layer(const Store& store, StagedLayer& layer) {
    bool ours = STRATA_TRY(store.commit_layer(layer.dir, layer.diff_id));
    (void)ours;  // if not, the staging dir goes with `layer`
    return {};
}

}  // namespace strata::image
