#include "image/stage.h"

#include <fcntl.h>
#include <unistd.h>

#include "sys/file.h"

namespace strata::image {
Result<std::string> hash_range(FileRange src) {
    Sha256 h = STRATA_TRY(Sha256::create());
    std::string buf(1 << 20, '\0');
    for (int64_t off = 0;;) {
        size_t want = buf.size();
        if (src.length >= 0) want = static_cast<size_t>(std::min<int64_t>(want, src.length - off));
        if (want == 0) break;
        ssize_t n = ::pread(src.fd, buf.data(), want, src.offset + off);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return os_error(errno, "read layer");
        if (n == 0) break;
        h.update(buf.data(), static_cast<size_t>(n));
        off += n;
    }
    return h.digest();
}

Result<StagedLayer> stage_layer(const Store& store, FileRange src, const std::string& blob_digest,
                                const std::string& diff_id, const std::string& what) {
    StagedLayer out;
    out.diff_id = diff_id;
    out.dir = STRATA_TRY(store.staging("layer"));
    STRATA_TRY(sys::mkdirat(out.dir.fd(), "diff", 0755));
    UniqueFd diff = STRATA_TRY(sys::openat(out.dir.fd(), "diff", O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
    auto reader = STRATA_TRY(LayerReader::open(src, what));
    auto unpacked = unpack(*reader, diff.get());
    if (!unpacked) {
        // A corrupt blob usually fails as garbage in the decompressor or the tar reader; the
        // digest names the real cause.
        if (!blob_digest.empty())
            if (auto actual = hash_range(src); actual && *actual != blob_digest)
                return error(what + ": content does not match its digest (it hashes to " + *actual + ")");
        return std::unexpected(unpacked.error());
    }
    out.stats = *unpacked;
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
    STRATA_TRY(store.sync());
    bool ours = STRATA_TRY(store.commit_layer(layer.dir, layer.diff_id));
    (void)ours;  // if not, the staging dir goes with `layer`
    return {};
}

}  // namespace strata::image
