#pragma once
// Streams one layer blob: decompression (none, gzip or zstd, detected from the bytes), the tar
// entries, and two SHA-256s computed in the same pass — of the blob as stored (its digest) and
// of the tar stream after decompression (its diff-id). Nothing is trusted before both are
// compared, so readers write into a staging directory that a mismatch throws away.

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

#include "base/result.h"
#include "image/digest.h"

struct archive;
struct archive_entry;

namespace strata::image {

namespace dl {
struct ArchiveApi;
}

// A byte range of an open file: a blob in a layout directory or the store, or the member of an
// uncompressed tar. `length` < 0 means up to the end of the file.
struct FileRange {
    int fd = -1;
    int64_t offset = 0;
    int64_t length = -1;
};

struct LayerDigests {
    std::string blob;     // sha256 of the bytes in the range
    std::string diff_id;  // sha256 of the uncompressed tar
    int64_t blob_size = 0;
    std::string compression;  // "none", "gzip", "zstd"
};

class LayerReader {
public:
    // `what` names the layer in errors ("layer sha256:ab12...").
    static Result<std::unique_ptr<LayerReader>> open(FileRange src, std::string what);
    ~LayerReader();
    LayerReader(const LayerReader&) = delete;
    LayerReader& operator=(const LayerReader&) = delete;

    // The next tar entry, or nullptr after the last one. The entry stays valid until the next
    // call; its data is read with read_block.
    Result<archive_entry*> next();
    // The next block of the current entry's data at `offset` within the file (sparse files
    // have holes between blocks); size 0 at the end.
    struct Block {
        const void* data = nullptr;
        size_t size = 0;
        int64_t offset = 0;
    };
    Result<Block> read_block();
    // Reads whatever the tar reader left (end-of-archive padding, trailing bytes) so the digests
    // cover every byte, and returns them.
    Result<LayerDigests> finish();

    const dl::ArchiveApi& api() const { return *m_api; }
    const std::string& what() const { return m_what; }

private:
    LayerReader() = default;
    Error archive_error(::archive* a, const std::string& step) const;
    static ssize_t read_source(::archive* a, void* self, const void** buf);
    static ssize_t read_decompressed(::archive* a, void* self, const void** buf);

    const dl::ArchiveApi* m_api = nullptr;
    std::string m_what;
    FileRange m_src;
    int64_t m_pos = 0;  // bytes of the range handed to libarchive so far
    std::unique_ptr<Sha256> m_blob_hash, m_tar_hash;
    ::archive* m_raw = nullptr;  // decompression only (format "raw")
    ::archive* m_tar = nullptr;  // the tar format over m_raw's output
    bool m_raw_eof = false;
    int m_io_errno = 0;  // errno of a failed pread, reported instead of libarchive's message
    std::unique_ptr<char[]> m_src_buf, m_tar_buf;
};

}  // namespace strata::image
