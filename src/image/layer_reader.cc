#include "image/layer_reader.h"

#include <unistd.h>

#include <cstring>

#include "image/dl/archive_api.h"

namespace strata::image {
namespace {

// 1 MiB reads keep syscalls and libarchive calls per byte low for 100 MB layers.
constexpr size_t kBufSize = 1 << 20;

}  // namespace

Result<std::unique_ptr<LayerReader>> LayerReader::open(FileRange src, std::string what) {
    const dl::ArchiveApi* api = STRATA_TRY(dl::archive_api());
    std::unique_ptr<LayerReader> r(new LayerReader());
    r->m_api = api;
    r->m_what = std::move(what);
    r->m_src = src;
    r->m_blob_hash = std::make_unique<Sha256>(STRATA_TRY(Sha256::create()));
    r->m_tar_hash = std::make_unique<Sha256>(STRATA_TRY(Sha256::create()));
    r->m_src_buf.reset(new char[kBufSize]);
    r->m_tar_buf.reset(new char[kBufSize]);

    // Two readers chained: the first only decompresses ("raw" format = the whole stream is one
    // entry), so the second sees, and we hash, exactly the uncompressed tar: the diff-id.
    r->m_raw = api->read_new();
    r->m_tar = api->read_new();
    if (!r->m_raw || !r->m_tar) return error(r->m_what + ": out of memory");
    api->support_filter_none(r->m_raw);
    api->support_filter_gzip(r->m_raw);
    api->support_filter_zstd(r->m_raw);
    api->support_format_raw(r->m_raw);
    if (api->read_open(r->m_raw, r.get(), nullptr, &LayerReader::read_source, nullptr) != ARCHIVE_OK)
        return std::unexpected(r->archive_error(r->m_raw, "open"));
    archive_entry* raw_entry = nullptr;
    int rc = api->next_header(r->m_raw, &raw_entry);
    if (rc == ARCHIVE_EOF) {
        r->m_raw_eof = true;  // an empty blob: the tar reader below reports it
    } else if (rc < ARCHIVE_WARN) {
        return std::unexpected(r->archive_error(r->m_raw, "decompress"));
    }
    api->support_format_tar(r->m_tar);
    if (api->read_open(r->m_tar, r.get(), nullptr, &LayerReader::read_decompressed, nullptr) != ARCHIVE_OK)
        return std::unexpected(r->archive_error(r->m_tar, "open tar"));
    return r;
}

LayerReader::~LayerReader() {
    if (m_tar) m_api->read_free(m_tar);
    if (m_raw) m_api->read_free(m_raw);
}

Error LayerReader::archive_error(::archive* a, const std::string& step) const {
    if (m_io_errno) return Error{m_io_errno, m_what + ": read"};
    const char* msg = m_api->error_string(a);
    return Error{0, m_what + ": " + step + ": " + (msg ? msg : "unknown libarchive error")};
}

ssize_t LayerReader::read_source(::archive*, void* self, const void** buf) {
    auto* r = static_cast<LayerReader*>(self);
    size_t want = kBufSize;
    if (r->m_src.length >= 0) {
        int64_t left = r->m_src.length - r->m_pos;
        if (left <= 0) return 0;
        want = static_cast<size_t>(std::min<int64_t>(left, kBufSize));
    }
    ssize_t n;
    do {
        n = ::pread(r->m_src.fd, r->m_src_buf.get(), want, r->m_src.offset + r->m_pos);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        r->m_io_errno = errno;
        return -1;
    }
    r->m_blob_hash->update(r->m_src_buf.get(), static_cast<size_t>(n));
    r->m_pos += n;
    *buf = r->m_src_buf.get();
    return n;
}

ssize_t LayerReader::read_decompressed(::archive*, void* self, const void** buf) {
    auto* r = static_cast<LayerReader*>(self);
    if (r->m_raw_eof) return 0;
    ssize_t n = r->m_api->read_data(r->m_raw, r->m_tar_buf.get(), kBufSize);
    if (n < 0) return -1;  // the tar reader reports a read error; finish() has the cause
    if (n == 0) r->m_raw_eof = true;
    r->m_tar_hash->update(r->m_tar_buf.get(), static_cast<size_t>(n));
    *buf = r->m_tar_buf.get();
    return n;
}

Result<archive_entry*> LayerReader::next() {
    archive_entry* e = nullptr;
    int rc = m_api->next_header(m_tar, &e);
    if (rc == ARCHIVE_EOF) return nullptr;
    // ARCHIVE_WARN: e.g. a name not convertible to the locale's charset; the entry is usable.
    if (rc < ARCHIVE_WARN) {
        // A failed decompression surfaces here as a short read; name the real cause.
        if (const char* m = m_api->error_string(m_raw); m && m_api->error_errno(m_raw))
            return std::unexpected(archive_error(m_raw, "decompress"));
        return std::unexpected(archive_error(m_tar, "read tar header"));
    }
    return e;
}

Result<LayerReader::Block> LayerReader::read_block() {
    Block b;
    la_int64_t off = 0;
    int rc = m_api->read_data_block(m_tar, &b.data, &b.size, &off);
    if (rc == ARCHIVE_EOF) return Block{};
    if (rc < ARCHIVE_WARN) return std::unexpected(archive_error(m_tar, "read tar data"));
    b.offset = off;
    return b;
}

Result<LayerDigests> LayerReader::finish() {
    // The tar reader stops at the end-of-archive blocks; the diff-id covers the whole stream.
    while (!m_raw_eof) {
        ssize_t n = m_api->read_data(m_raw, m_tar_buf.get(), kBufSize);
        if (n < 0) return std::unexpected(archive_error(m_raw, "decompress"));
        if (n == 0) break;
        m_tar_hash->update(m_tar_buf.get(), static_cast<size_t>(n));
    }
    LayerDigests d;
    int code = m_api->filter_code(m_raw, 0);
    d.compression = code == ARCHIVE_FILTER_GZIP ? "gzip" : code == ARCHIVE_FILTER_ZSTD ? "zstd" : "none";
    // And the blob digest covers every byte of the range, including any the decompressor left.
    const void* unused;
    for (;;) {
        ssize_t n = read_source(nullptr, this, &unused);
        if (n < 0) return os_error(m_io_errno, m_what + ": read");
        if (n == 0) break;
    }
    d.blob_size = m_pos;
    d.blob = m_blob_hash->digest();
    d.diff_id = m_tar_hash->digest();
    return d;
}

}  // namespace strata::image
