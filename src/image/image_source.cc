#include "image/image_source.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/strings.h"
#include "image/unpack.h"
#include "sys/file.h"

namespace strata::image {
namespace {

// Member paths come from the archive's own JSON: resolved beneath the directory, never out.
constexpr uint64_t kInSource = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;

bool compressed(int fd) {
    unsigned char m[4] = {};
    if (::pread(fd, m, sizeof m, 0) != sizeof m) return false;
    bool gzip = m[0] == 0x1f && m[1] == 0x8b;
    bool zstd = m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd;
    return gzip || zstd;
}

}  // namespace

Result<ImageSource> ImageSource::open(const std::string& path, const Store& store) {
    ImageSource s;
    s.m_name = path;
    UniqueFd fd = STRATA_TRY(sys::open(path, O_RDONLY));
    struct stat st = STRATA_TRY(sys::fstat(fd.get(), quote(path)));
    if (S_ISDIR(st.st_mode)) {
        s.m_dir = std::move(fd);
        return s;
    }
    if (!S_ISREG(st.st_mode)) return error(quote(path) + " is neither a directory nor a file");
    if (!compressed(fd.get())) {
        s.m_tar = STRATA_TRY(TarIndex::scan(fd.get(), quote(path)));
        s.m_file = std::move(fd);
        return s;
    }
    // A compressed archive cannot be read in place: unpacked with the layer code, which keeps
    // every member inside the staging directory.
    s.m_extracted = STRATA_TRY(store.staging("archive"));
    auto reader = STRATA_TRY(LayerReader::open(FileRange{fd.get(), 0, -1}, quote(path)));
    STRATA_TRY(unpack(*reader, s.m_extracted.fd()));
    s.m_dir = STRATA_TRY(sys::openat(s.m_extracted.fd(), ".", O_RDONLY | O_DIRECTORY));
    return s;
}

bool ImageSource::exists(std::string_view path) const {
    if (m_tar) return m_tar->contains(path);
    return sys::openat2(m_dir.get(), std::string(path), O_PATH, kInSource).has_value();
}

Result<OpenedRange> ImageSource::range(std::string_view path) const {
    if (m_tar) return OpenedRange{UniqueFd(), STRATA_TRY(m_tar->find(path))};
    auto fd = sys::openat2(m_dir.get(), std::string(path), O_RDONLY, kInSource);
    if (!fd) return wrap(fd.error(), m_name);
    struct stat st = STRATA_TRY(sys::fstat(fd->get(), quote(path)));
    if (!S_ISREG(st.st_mode)) return error(m_name + ": " + quote(path) + " is not a file");
    OpenedRange r{std::move(*fd), {}};
    r.range = FileRange{r.owned.get(), 0, st.st_size};
    return r;
}

Result<std::string> ImageSource::read(std::string_view path, int64_t max) const {
    OpenedRange r = STRATA_TRY(range(path));
    if (r.range.length > max)
        return error(m_name + ": " + quote(path) + " is larger than " + std::to_string(max) + " bytes");
    std::string out(static_cast<size_t>(r.range.length), '\0');
    size_t got = 0;
    while (got < out.size()) {
        ssize_t n = ::pread(r.range.fd, out.data() + got, out.size() - got, r.range.offset + static_cast<int64_t>(got));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return os_error(errno, m_name + ": read " + quote(path));
        if (n == 0) return error(m_name + ": " + quote(path) + " is truncated");
        got += static_cast<size_t>(n);
    }
    return out;
}

}  // namespace strata::image
