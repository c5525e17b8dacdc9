#include "image/tar_index.h"

#include <unistd.h>

#include <memory>
#include <vector>

#include "base/strings.h"
#include "image/dl/archive_api.h"

namespace strata::image {

std::string clean_member_path(std::string_view p) {
    std::vector<std::string> out;
    for (auto& c : split_nonempty(p, '/')) {
        if (c == ".") continue;
        if (c == "..") {
            if (!out.empty()) out.pop_back();
            continue;
        }
        out.push_back(std::move(c));
    }
    return join(out, "/");
}

namespace {

struct Reader {
    int fd;
    int64_t pos = 0;
    int io_errno = 0;
    std::unique_ptr<char[]> buf{new char[1 << 16]};
};

ssize_t read_cb(archive*, void* p, const void** out) {
    auto* r = static_cast<Reader*>(p);
    ssize_t n;
    do {
        n = ::pread(r->fd, r->buf.get(), 1 << 16, r->pos);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        r->io_errno = errno;
        return -1;
    }
    r->pos += n;
    *out = r->buf.get();
    return n;
}

// Skipping a layer's data is only moving the position: the scan reads headers, not layers.
la_int64_t skip_cb(archive*, void* p, la_int64_t request) {
    static_cast<Reader*>(p)->pos += request;
    return request;
}

}  // namespace

Result<TarIndex> TarIndex::scan(int fd, const std::string& what) {
    const dl::ArchiveApi* api = STRATA_TRY(dl::archive_api());
    std::unique_ptr<archive, int (*)(archive*)> a(api->read_new(), api->read_free);
    if (!a) return error(what + ": out of memory");
    api->support_filter_none(a.get());
    api->support_format_tar(a.get());
    Reader rd{fd};
    auto fail = [&](const std::string& step) -> Result<TarIndex> {
        if (rd.io_errno) return os_error(rd.io_errno, what + ": read");
        const char* m = api->error_string(a.get());
        return error(what + ": " + step + ": " + (m ? m : "not a tar archive"));
    };
    if (api->read_open2(a.get(), &rd, nullptr, read_cb, skip_cb, nullptr) != ARCHIVE_OK) return fail("open");
    TarIndex idx;
    idx.m_fd = fd;
    idx.m_what = what;
    for (;;) {
        archive_entry* e = nullptr;
        int rc = api->next_header(a.get(), &e);
        if (rc == ARCHIVE_EOF) break;
        if (rc < ARCHIVE_WARN) return fail("read header");
        const char* name = api->entry_pathname(e);
        if (!name) name = api->entry_pathname_utf8(e);
        if (!name) return error(what + ": a member without a name");
        Member m;
        // Headers are consumed exactly up to the member's data (libarchive reads ahead, but
        // counts as consumed only what the tar reader took): that count is the data's offset.
        m.offset = api->filter_bytes(a.get(), 0);
        m.size = api->entry_size(e);
        const char* hard = api->entry_hardlink(e);
        const char* sym = api->entry_symlink(e);
        if (hard) {
            m.type = '1';
            m.link = hard;
        } else if (api->entry_filetype(e) == AE_IFLNK && sym) {
            m.type = '2';
            m.link = sym;
        } else if (api->entry_filetype(e) == AE_IFDIR) {
            m.type = '5';
        } else if (api->entry_filetype(e) == AE_IFREG) {
            if (api->entry_sparse_count(e) > 0) return error(what + ": " + quote(name) + " is a sparse member");
        } else {
            continue;
        }
        idx.m_members[clean_member_path(name)] = std::move(m);
    }
    return idx;
}

Result<FileRange> TarIndex::find(std::string_view path) const {
    std::string p = clean_member_path(path);
    for (int depth = 0; depth < 8; ++depth) {
        auto it = m_members.find(p);
        if (it == m_members.end()) return os_error(ENOENT, m_what + ": no member " + quote(path));
        const Member& m = it->second;
        switch (m.type) {
            case '0': return FileRange{m_fd, m.offset, m.size};
            case '1': p = clean_member_path(m.link); break;
            case '2': {
                std::string dir = p.find('/') == std::string::npos ? "" : p.substr(0, p.rfind('/'));
                p = m.link.starts_with('/') ? clean_member_path(m.link) : clean_member_path(dir + "/" + m.link);
                break;
            }
            default: return os_error(EISDIR, m_what + ": " + quote(path) + " is not a file");
        }
    }
    return os_error(ELOOP, m_what + ": " + quote(path) + ": too many links");
}

}  // namespace strata::image
