#include "image/unpack.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <array>
#include <functional>
#include <unordered_map>

#include "base/log.h"
#include "base/strings.h"
#include "image/dl/archive_api.h"
#include "sys/file.h"

namespace strata::image {

Result<std::vector<std::string>> entry_components(std::string_view name) {
    std::vector<std::string> out;
    for (auto& c : split_nonempty(name, '/')) {
        if (c == ".") continue;
        if (c == "..") return error("path " + quote(name) + " leaves the layer (\"..\")");
        out.push_back(std::move(c));
    }
    return out;
}

namespace {

// Every lookup stays below the layer directory: no "..", no absolute symlink, no magic link
// and no other mount on the way (RESOLVE_BENEATH fails with EXDEV instead of escaping).
constexpr uint64_t kInLayer = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
constexpr const char* kOpaqueXattr = "trusted.overlay.opaque";

std::string join_prefix(const std::vector<std::string>& comps, size_t n) {
    std::string out;
    for (size_t i = 0; i < n; ++i) {
        if (i) out += '/';
        out += comps[i];
    }
    return out;
}

// What was in the way of a new entry and was removed (or kept, for a directory).
struct Existing {
    bool dir = false;       // a directory that stays (directory entries merge into it)
    bool whiteout = false;  // a whiteout of this layer that the new entry replaced
};

class Unpacker {
public:
    Unpacker(LayerReader& r, int root) : m_r(r), m_api(r.api()), m_root(root) {}

    Result<> entry(archive_entry* e);
    Result<> finish_dirs();
    UnpackStats stats;

private:
    Result<> entry_at(archive_entry* e, const std::vector<std::string>& comps);
    Result<UniqueFd> open_dir(const std::string& path);
    Result<int> parent(const std::vector<std::string>& comps);
    Result<Existing> make_room(int pfd, const std::string& name, bool for_dir);
    Result<> whiteout(int pfd, const std::string& base);
    Result<> directory(archive_entry* e, int pfd, const std::vector<std::string>& comps);
    Result<> file(archive_entry* e, int pfd, const std::string& name);
    Result<> symlink(archive_entry* e, int pfd, const std::string& name);
    Result<> hardlink(const char* target, int pfd, const std::string& name);
    Result<> special(archive_entry* e, int pfd, const std::string& name);
    Result<> owner_mode_xattrs(archive_entry* e, int fd);
    Result<> xattrs_at(archive_entry* e, int pfd, const std::string& name);
    Result<> set_xattr(archive_entry* e, const std::function<int(const char*, const void*, size_t)>& set);
    void times(archive_entry* e, timespec out[2]) const;

    LayerReader& m_r;
    const dl::ArchiveApi& m_api;
    int m_root;
    // Entries come grouped by directory: the last parent opened serves most of them.
    std::string m_cache_path;
    UniqueFd m_cache_fd;
    UniqueFd m_retired;
    // Directory mtimes are set last: every entry written into a directory changes its mtime.
    std::unordered_map<std::string, std::array<timespec, 2>> m_dir_times;
    bool m_warned_xattr = false;
};

Result<> Unpacker::entry(archive_entry* e) {
    const char* raw = m_api.entry_pathname(e);
    if (!raw) raw = m_api.entry_pathname_utf8(e);
    if (!raw) return error(m_r.what() + ": an entry without a name");
    auto comps = entry_components(raw);
    if (!comps) return wrap(comps.error(), m_r.what());
    ++stats.entries;
    return with_context(entry_at(e, *comps), m_r.what() + ": " + quote(raw));
}

Result<> Unpacker::entry_at(archive_entry* e, const std::vector<std::string>& comps) {
    mode_t type = m_api.entry_filetype(e);
    if (comps.empty()) {  // "./": the layer root's own metadata
        if (type != AE_IFDIR) return error("the layer root must be a directory");
        STRATA_TRY(owner_mode_xattrs(e, m_root));
        times(e, m_dir_times[""].data());
        return {};
    }
    const std::string& base = comps.back();
    int pfd = STRATA_TRY(parent(comps));
    if (base.starts_with(".wh.")) return whiteout(pfd, base);
    const char* link = m_api.entry_hardlink(e);
    if (!link) link = m_api.entry_hardlink_utf8(e);
    if (link) return hardlink(link, pfd, base);
    switch (type) {
        case AE_IFDIR: return directory(e, pfd, comps);
        case AE_IFREG: return file(e, pfd, base);
        case AE_IFLNK: return symlink(e, pfd, base);
        case AE_IFCHR:
        case AE_IFBLK:
        case AE_IFIFO: return special(e, pfd, base);
        case AE_IFSOCK: return {};  // a socket in a tar is meaningless once its server is gone
        default: return error("unknown entry type " + std::to_string(type));
    }
}

Result<UniqueFd> Unpacker::open_dir(const std::string& path) {
    auto fd = sys::openat2(m_root, path.empty() ? "." : path, O_RDONLY | O_DIRECTORY, kInLayer);
    if (!fd && fd.error().code == EXDEV)
        return os_error(EXDEV, "parent " + quote(path) + " leads out of the layer (through a symlink)");
    if (!fd && fd.error().code == ELOOP)
        return os_error(ELOOP, "parent " + quote(path) + ": too many symlinks");
    return fd;
}

// The directory that holds comps.back(), created (0755, root) where the tar has no entry for it.
Result<int> Unpacker::parent(const std::vector<std::string>& comps) {
    if (comps.size() == 1) return m_root;
    std::string path = join_prefix(comps, comps.size() - 1);
    if (m_cache_fd && path == m_cache_path) return m_cache_fd.get();
    m_retired.reset();
    auto fd = open_dir(path);
    if (!fd && fd.error().code == ENOENT) {
        int prev = m_root;
        UniqueFd cur;
        for (size_t i = 0; i + 1 < comps.size(); ++i) {
            std::string prefix = join_prefix(comps, i + 1);
            auto next = open_dir(prefix);
            if (!next && next.error().code == ENOENT) {
                STRATA_TRY(sys::mkdirat(prev, comps[i], 0755));
                next = open_dir(prefix);
            }
            if (!next) return std::unexpected(next.error());
            cur = std::move(*next);
            prev = cur.get();
        }
        fd = std::move(cur);
    }
    if (!fd) return std::unexpected(fd.error());
    m_cache_path = std::move(path);
    m_cache_fd = std::move(*fd);
    return m_cache_fd.get();
}

Result<Existing> Unpacker::make_room(int pfd, const std::string& name, bool for_dir) {
    struct stat st{};
    if (::fstatat(pfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno == ENOENT) return Existing{};
        return os_error(errno, "stat " + quote(name));
    }
    if (S_ISDIR(st.st_mode)) {
        if (for_dir) return Existing{.dir = true};
        // The cached parent may be inside the tree going away. It is kept open until the next
        // lookup, as `pfd` may be that same fd.
        m_retired = std::move(m_cache_fd);
        m_cache_path.clear();
        STRATA_TRY(sys::remove_tree_at(pfd, name));
        return Existing{};
    }
    bool was_whiteout = S_ISCHR(st.st_mode) && st.st_rdev == 0;
    STRATA_TRY(sys::unlinkat(pfd, name, 0));
    return Existing{.whiteout = was_whiteout};
}

Result<> Unpacker::whiteout(int pfd, const std::string& base) {
    if (base == ".wh..wh..opq") {
        if (::fsetxattr(pfd, kOpaqueXattr, "y", 1, 0) < 0)
            return os_error(errno, "mark the directory opaque (" + std::string(kOpaqueXattr) + ")");
        return {};
    }
    if (base.starts_with(".wh..wh.")) return {};  // AUFS bookkeeping (.wh..wh.plnk), not content
    std::string name = base.substr(4);
    if (name.empty() || name == "." || name == "..") return error("bad whiteout name " + quote(base));
    // A whiteout hides lower layers only (OCI image spec); an entry of this layer with the same
    // name already hides them, so it stays.
    struct stat st{};
    if (::fstatat(pfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) return {};
    if (::mknodat(pfd, name.c_str(), S_IFCHR | 0, makedev(0, 0)) < 0)
        return os_error(errno, "create whiteout " + quote(name));
    return {};
}

Result<> Unpacker::directory(archive_entry* e, int pfd, const std::vector<std::string>& comps) {
    const std::string& name = comps.back();
    Existing ex = STRATA_TRY(make_room(pfd, name, true));
    if (!ex.dir) STRATA_TRY(sys::mkdirat(pfd, name, 0700));
    UniqueFd fd = STRATA_TRY(sys::openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
    STRATA_TRY(owner_mode_xattrs(e, fd.get()));
    // A directory that replaces this layer's whiteout of the same name must still hide the
    // lower layers' directory, or OverlayFS would merge the two.
    if (ex.whiteout && ::fsetxattr(fd.get(), kOpaqueXattr, "y", 1, 0) < 0)
        return os_error(errno, "mark the directory opaque");
    std::string path = join_prefix(comps, comps.size());
    times(e, m_dir_times[path].data());
    // Its entries usually follow.
    m_cache_path = std::move(path);
    m_cache_fd = std::move(fd);
    return {};
}

Result<> Unpacker::file(archive_entry* e, int pfd, const std::string& name) {
    STRATA_TRY(make_room(pfd, name, false));
    UniqueFd fd = STRATA_TRY(sys::openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600));
    int64_t end = 0;
    for (;;) {
        LayerReader::Block b = STRATA_TRY(m_r.read_block());
        if (b.size == 0) break;
        const char* p = static_cast<const char*>(b.data);
        size_t left = b.size;
        int64_t off = b.offset;
        while (left) {
            ssize_t n = ::pwrite(fd.get(), p, left, off);
            if (n < 0) {
                if (errno == EINTR) continue;
                return os_error(errno, "write");
            }
            p += n;
            left -= static_cast<size_t>(n);
            off += n;
        }
        end = std::max(end, off);
        stats.bytes += static_cast<int64_t>(b.size);
    }
    // A sparse file may end in a hole.
    int64_t size = m_api.entry_size(e);
    if (size > end && ::ftruncate(fd.get(), size) < 0) return os_error(errno, "truncate");
    STRATA_TRY(owner_mode_xattrs(e, fd.get()));
    timespec t[2];
    times(e, t);
    if (::futimens(fd.get(), t) < 0) return os_error(errno, "set times");
    return {};
}

Result<> Unpacker::symlink(archive_entry* e, int pfd, const std::string& name) {
    const char* target = m_api.entry_symlink(e);
    if (!target) target = m_api.entry_symlink_utf8(e);
    if (!target || !*target) return error("symlink without a target");
    STRATA_TRY(make_room(pfd, name, false));
    STRATA_TRY(sys::symlinkat(target, pfd, name));
    if (::fchownat(pfd, name.c_str(), static_cast<uid_t>(m_api.entry_uid(e)),
                   static_cast<gid_t>(m_api.entry_gid(e)), AT_SYMLINK_NOFOLLOW) < 0)
        return os_error(errno, "chown");
    STRATA_TRY(xattrs_at(e, pfd, name));
    timespec t[2];
    times(e, t);
    if (::utimensat(pfd, name.c_str(), t, AT_SYMLINK_NOFOLLOW) < 0) return os_error(errno, "set times");
    return {};
}

Result<> Unpacker::hardlink(const char* target, int pfd, const std::string& name) {
    auto tcomps = entry_components(target);
    if (!tcomps) return wrap(tcomps.error(), "hard link target");
    if (tcomps->empty()) return error("hard link to the layer root");
    // The target's parent is resolved like any other path; the target itself is not followed
    // (linkat without AT_SYMLINK_FOLLOW links a symlink, not what it points to).
    UniqueFd tparent = STRATA_TRY(open_dir(join_prefix(*tcomps, tcomps->size() - 1)));
    STRATA_TRY(make_room(pfd, name, false));
    if (::linkat(tparent.get(), tcomps->back().c_str(), pfd, name.c_str(), 0) < 0)
        return os_error(errno, "hard link to " + quote(target));
    return {};
}

Result<> Unpacker::special(archive_entry* e, int pfd, const std::string& name) {
    STRATA_TRY(make_room(pfd, name, false));
    mode_t perm = m_api.entry_perm(e) & 07777;
    dev_t dev = makedev(m_api.entry_rdevmajor(e), m_api.entry_rdevminor(e));
    if (::mknodat(pfd, name.c_str(), m_api.entry_filetype(e) | perm, dev) < 0)
        return os_error(errno, "mknod");
    if (::fchownat(pfd, name.c_str(), static_cast<uid_t>(m_api.entry_uid(e)),
                   static_cast<gid_t>(m_api.entry_gid(e)), AT_SYMLINK_NOFOLLOW) < 0)
        return os_error(errno, "chown");
    // mknod applied the umask; chown may have cleared set-id bits.
    if (::fchmodat(pfd, name.c_str(), perm, 0) < 0) return os_error(errno, "chmod");
    STRATA_TRY(xattrs_at(e, pfd, name));
    timespec t[2];
    times(e, t);
    if (::utimensat(pfd, name.c_str(), t, AT_SYMLINK_NOFOLLOW) < 0) return os_error(errno, "set times");
    return {};
}

// Owner first: chown clears set-id bits and security.capability, which the mode and the xattrs
// then restore.
Result<> Unpacker::owner_mode_xattrs(archive_entry* e, int fd) {
    if (::fchown(fd, static_cast<uid_t>(m_api.entry_uid(e)), static_cast<gid_t>(m_api.entry_gid(e))) < 0)
        return os_error(errno, "chown");
    if (::fchmod(fd, m_api.entry_perm(e) & 07777) < 0) return os_error(errno, "chmod");
    return set_xattr(e, [fd](const char* n, const void* v, size_t s) { return ::fsetxattr(fd, n, v, s, 0); });
}

// Symlinks and device nodes cannot be opened for fsetxattr; an O_PATH fd reached again through
// /proc/self/fd names the inode itself without following or opening it.
Result<> Unpacker::xattrs_at(archive_entry* e, int pfd, const std::string& name) {
    if (m_api.entry_xattr_reset(e) == 0) return {};
    UniqueFd fd = STRATA_TRY(sys::openat(pfd, name, O_PATH | O_NOFOLLOW));
    std::string proc = "/proc/self/fd/" + std::to_string(fd.get());
    return set_xattr(e, [&](const char* n, const void* v, size_t s) { return ::setxattr(proc.c_str(), n, v, s, 0); });
}

Result<> Unpacker::set_xattr(archive_entry* e, const std::function<int(const char*, const void*, size_t)>& set) {
    if (m_api.entry_xattr_reset(e) == 0) return {};
    const char* name;
    const void* value;
    size_t size;
    while (m_api.entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
        std::string_view n(name);
        // Overlay metadata comes only from whiteout entries: a layer that carried its own could
        // redirect lookups or fake opaque directories.
        if (n.starts_with("trusted.overlay.") || n.starts_with("user.overlay.")) continue;
        if (set(name, value, size) < 0) {
            int err = errno;
            if (err == EOPNOTSUPP || err == ENOTSUP) {
                if (!m_warned_xattr) log::warn(m_r.what() + ": xattr " + quote(n) + " not supported here; skipped");
                m_warned_xattr = true;
                continue;
            }
            return os_error(err, "set xattr " + quote(n));
        }
    }
    return {};
}

void Unpacker::times(archive_entry* e, timespec out[2]) const {
    if (!m_api.entry_mtime_is_set(e)) {
        out[0].tv_nsec = out[1].tv_nsec = UTIME_OMIT;
        out[0].tv_sec = out[1].tv_sec = 0;
        return;
    }
    out[1].tv_sec = m_api.entry_mtime(e);
    out[1].tv_nsec = m_api.entry_mtime_nsec(e);
    if (m_api.entry_atime_is_set(e)) {
        out[0].tv_sec = m_api.entry_atime(e);
        out[0].tv_nsec = m_api.entry_atime_nsec(e);
    } else {
        out[0] = out[1];
    }
}

Result<> Unpacker::finish_dirs() {
    m_cache_fd.reset();
    // Setting a directory's times changes nothing in its parent, so the order does not matter.
    for (const auto& [path, t] : m_dir_times) {
        if (t[1].tv_nsec == UTIME_OMIT) continue;
        auto fd = open_dir(path);
        if (!fd) {
            if (fd.error().code == ENOTDIR || fd.error().code == ENOENT) continue;  // replaced later
            return wrap(fd.error(), m_r.what());
        }
        if (::futimens(fd->get(), t.data()) < 0) return os_error(errno, m_r.what() + ": set times of " + quote(path));
    }
    return {};
}

}  // namespace

Result<UnpackStats> unpack(LayerReader& reader, int dirfd) {
    Unpacker u(reader, dirfd);
    for (;;) {
        archive_entry* e = STRATA_TRY(reader.next());
        if (!e) break;
        STRATA_TRY(u.entry(e));
    }
    STRATA_TRY(u.finish_dirs());
    return u.stats;
}

}  // namespace strata::image
