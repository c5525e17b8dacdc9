#include "image/store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/random.h>
#include <unistd.h>

#include "base/fault.h"
#include "base/strings.h"
#include "image/digest.h"
#include "sys/file.h"

namespace strata::image {

std::string random_hex(size_t n) {
    std::string bytes((n + 1) / 2, '\0');
    size_t got = 0;
    while (got < bytes.size()) {
        ssize_t r = ::getrandom(bytes.data() + got, bytes.size() - got, 0);
        if (r > 0) got += static_cast<size_t>(r);
    }
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
        out += hex[c >> 4];
        out += hex[c & 15];
    }
    out.resize(n);
    return out;
}

Result<std::vector<std::string>> list_dir(int dirfd, const std::string& rel) {
    UniqueFd fd = STRATA_TRY(sys::openat(dirfd, rel, O_RDONLY | O_DIRECTORY));
    DIR* d = ::fdopendir(fd.get());
    if (!d) return os_error(errno, "read " + quote(rel));
    (void)fd.release();  // closedir closes it
    std::vector<std::string> out;
    while (dirent* e = ::readdir(d))
        if (std::string_view(e->d_name) != "." && std::string_view(e->d_name) != "..") out.push_back(e->d_name);
    ::closedir(d);
    return out;
}

StagingDir::StagingDir(StagingDir&& o) noexcept
    : m_tmp(o.m_tmp), m_name(std::move(o.m_name)), m_path(std::move(o.m_path)), m_fd(std::move(o.m_fd)) {
    o.m_name.clear();
}

StagingDir& StagingDir::operator=(StagingDir&& o) noexcept {
    if (this != &o) {
        remove();
        m_tmp = o.m_tmp;
        m_name = std::move(o.m_name);
        m_path = std::move(o.m_path);
        m_fd = std::move(o.m_fd);
        o.m_name.clear();
    }
    return *this;
}

StagingDir::~StagingDir() { remove(); }

void StagingDir::remove() {
    m_fd.reset();
    if (!m_name.empty()) (void)sys::remove_tree_at(m_tmp, m_name);
    m_name.clear();
}

Result<Store> Store::open(const std::string& root) {
    Store s;
    s.m_root = STRATA_TRY(sys::absolute(root));
    STRATA_TRY(sys::mkdir_all(s.m_root, 0700));
    s.m_fd = STRATA_TRY(sys::open(s.m_root, O_RDONLY | O_DIRECTORY));
    for (const char* d : {"blobs", "blobs/sha256", "layers", "l", "containers", "tmp"})
        if (::mkdirat(s.m_fd.get(), d, 0700) < 0 && errno != EEXIST)
            return os_error(errno, "create " + quote(s.m_root + "/" + d));
    s.m_tmp = STRATA_TRY(sys::openat(s.m_fd.get(), "tmp", O_RDONLY | O_DIRECTORY));
    return s;
}

Result<FileLock> Store::lock(std::string_view name, bool exclusive) const {
    std::string file = std::string(name) + ".lock";
    UniqueFd fd = STRATA_TRY(sys::openat(m_fd.get(), file, O_RDWR | O_CREAT | O_NOFOLLOW, 0600));
    while (::flock(fd.get(), exclusive ? LOCK_EX : LOCK_SH) < 0)
        if (errno != EINTR) return os_error(errno, "lock " + quote(m_root + "/" + file));
    return FileLock(std::move(fd));
}

std::string Store::blob_path(std::string_view digest) const {
    return m_root + "/blobs/sha256/" + std::string(digest_hex(digest));
}

std::string Store::layer_dir(std::string_view diff_id) const {
    return m_root + "/layers/" + std::string(digest_hex(diff_id));
}

std::string Store::layer_diff(std::string_view diff_id) const { return layer_dir(diff_id) + "/diff"; }

bool Store::has_blob(std::string_view digest) const {
    return ::faccessat(m_fd.get(), ("blobs/sha256/" + std::string(digest_hex(digest))).c_str(), F_OK, 0) == 0;
}

bool Store::has_layer(std::string_view diff_id) const {
    return ::faccessat(m_fd.get(), ("layers/" + std::string(digest_hex(diff_id)) + "/diff").c_str(), F_OK, 0) == 0;
}

Result<std::string> Store::read_blob(std::string_view digest, int64_t max) const {
    std::string rel = "blobs/sha256/" + std::string(digest_hex(digest));
    auto fd = sys::openat(m_fd.get(), rel, O_RDONLY | O_NOFOLLOW);
    if (!fd) {
        if (fd.error().code == ENOENT) return os_error(ENOENT, "blob " + std::string(digest) + " is not in the store");
        return std::unexpected(fd.error());
    }
    struct stat st = STRATA_TRY(sys::fstat(fd->get(), "blob " + std::string(digest)));
    if (st.st_size > max) return error("blob " + std::string(digest) + " is larger than " + std::to_string(max) + " bytes");
    return sys::read_all(fd->get(), "blob " + std::string(digest));
}

Result<> Store::put_blob(std::string_view digest, std::string_view data) const {
    STRATA_TRY(check_digest(digest, "blob"));
    std::string actual = STRATA_TRY(sha256_of(data));
    if (actual != digest)
        return error("blob " + std::string(digest) + ": content does not match its digest (it hashes to " + actual + ")");
    if (has_blob(digest)) return {};
    // Through tmp/ under a name of its own: parallel imports of one image write the same blob,
    // and a fixed temporary name beside the blob would be shared by them (and left by a kill).
    TempFile t = STRATA_TRY(temp_file("put"));
    auto written = sys::write_all(t.fd.get(), data, quote(m_root + "/tmp/" + t.name));
    if (written) written = adopt_blob(t.name, digest);
    if (!written) ::unlinkat(m_tmp.get(), t.name.c_str(), 0);
    return written;
}

Result<> Store::adopt_blob(const std::string& tmp_name, std::string_view digest) const {
    std::string to = "blobs/sha256/" + std::string(digest_hex(digest));
    if (::renameat(m_tmp.get(), tmp_name.c_str(), m_fd.get(), to.c_str()) < 0)
        return os_error(errno, "store blob " + std::string(digest));
    return {};
}

Result<> Store::remove_blob(std::string_view digest) const {
    std::string rel = "blobs/sha256/" + std::string(digest_hex(digest));
    if (::unlinkat(m_fd.get(), rel.c_str(), 0) < 0 && errno != ENOENT)
        return os_error(errno, "remove blob " + std::string(digest));
    return {};
}

Result<StagingDir> Store::staging(std::string_view prefix) const {
    std::string name = std::string(prefix) + "." + random_hex(16);
    // tmp.lock (shared) covers the moment between mkdir and flock, in which clean_temps (which
    // holds it exclusively) would take the new directory for a leftover.
    FileLock guard = STRATA_TRY(lock("tmp", false));
    STRATA_TRY(with_context(sys::mkdirat(m_tmp.get(), name, 0700), m_root + "/tmp"));
    auto fd = sys::openat(m_tmp.get(), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    if (fd && ::flock(fd->get(), LOCK_EX) < 0) fd = os_error(errno, "lock " + quote(m_root + "/tmp/" + name));
    if (!fd) {
        (void)sys::remove_tree_at(m_tmp.get(), name);
        return std::unexpected(fd.error());
    }
    return StagingDir(m_tmp.get(), name, m_root + "/tmp/" + name, std::move(*fd));
}

Result<TempFile> Store::temp_file(std::string_view prefix) const {
    TempFile t;
    t.name = std::string(prefix) + "." + random_hex(16);
    FileLock guard = STRATA_TRY(lock("tmp", false));
    t.fd = STRATA_TRY(sys::openat(m_tmp.get(), t.name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW, 0600));
    if (::flock(t.fd.get(), LOCK_EX) < 0) {
        int err = errno;
        ::unlinkat(m_tmp.get(), t.name.c_str(), 0);
        return os_error(err, "lock " + quote(m_root + "/tmp/" + t.name));
    }
    return t;
}

Result<int> Store::clean_temps() const {
    std::vector<std::pair<std::string, UniqueFd>> doomed;
    {
        FileLock guard = STRATA_TRY(lock("tmp", true));
        for (const auto& name : STRATA_TRY(list_dir(m_fd.get(), "tmp"))) {
            auto fd = sys::openat(m_tmp.get(), name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
            if (!fd) continue;  // gone meanwhile, or not ours to open
            if (::flock(fd->get(), LOCK_EX | LOCK_NB) < 0) continue;  // a live import's
            doomed.emplace_back(name, std::move(*fd));
        }
    }
    // Locked by us now: nobody else removes or uses them.
    for (auto& [name, fd] : doomed) STRATA_TRY(sys::remove_tree_at(m_tmp.get(), name));
    return static_cast<int>(doomed.size());
}

Result<> Store::ensure_link(std::string_view diff_id) const {
    std::string hex(digest_hex(diff_id));
    std::string link = "l/" + layer_link(diff_id);
    if (::symlinkat(("../layers/" + hex + "/diff").c_str(), m_fd.get(), link.c_str()) < 0 && errno != EEXIST)
        return os_error(errno, "link " + quote(m_root + "/" + link));
    return {};
}

Result<> Store::sync() const {
    if (::syncfs(m_fd.get()) < 0) return os_error(errno, "sync " + quote(m_root));
    return {};
}

std::string Store::layer_link(std::string_view diff_id) const {
    // 12 hex digits: 48 bits, enough to tell the layers of one store apart, and 15 bytes per
    // layer in a lowerdir option ("l/" + 12 + ':').
    return std::string(digest_hex(diff_id).substr(0, 12));
}

Result<bool> Store::commit_layer(StagingDir& staged, std::string_view diff_id) const {
    std::string hex(digest_hex(diff_id));
    std::string to = "layers/" + hex;
    if (::renameat(m_tmp.get(), staged.name().c_str(), m_fd.get(), to.c_str()) < 0) {
        if (errno == EEXIST || errno == ENOTEMPTY) {
            STRATA_TRY(ensure_link(diff_id));  // another import's, which may have been killed
            return false;
        }
        return os_error(errno, "store layer " + std::string(diff_id) + " in " + quote(m_root + "/" + to));
    }
    staged.release();
    fault::point("store.layer_renamed");
    STRATA_TRY(ensure_link(diff_id));
    return true;
}

Result<> Store::remove_layer(std::string_view diff_id) const {
    std::string hex(digest_hex(diff_id));
    // The link first: a layer without its link is only invisible, a link without its layer
    // would dangle.
    std::string link = "l/" + layer_link(diff_id);
    if (::unlinkat(m_fd.get(), link.c_str(), 0) < 0 && errno != ENOENT)
        return os_error(errno, "remove " + quote(link));
    fault::point("store.layer_unlinked");
    // Renamed out of layers/ before the slow recursive removal, so that no one sees half of it.
    std::string doomed = "gone-" + hex + "." + random_hex(8);
    if (::renameat(m_fd.get(), ("layers/" + hex).c_str(), m_tmp.get(), doomed.c_str()) < 0) {
        if (errno == ENOENT) return {};
        return os_error(errno, "remove layer " + std::string(diff_id));
    }
    return sys::remove_tree_at(m_tmp.get(), doomed);
}

int64_t Store::layer_size(std::string_view diff_id) const {
    auto text = sys::read_file_at(m_fd.get(), "layers/" + std::string(digest_hex(diff_id)) + "/size");
    if (!text) return 0;
    return parse_int(trim(*text)).value_or(0);
}

}  // namespace strata::image
