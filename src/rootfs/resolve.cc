#include "rootfs/resolve.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>

#include "base/strings.h"
#include "sys/file.h"

namespace strata::rootfs {
namespace {

constexpr uint64_t kInRoot = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;

// A path relative to the root for openat2: "/a/b" -> "a/b", "/" -> ".".
std::string relative(const std::string& path) {
    std::string c = sys::clean_path("/" + path);
    return c == "/" ? "." : c.substr(1);
}

Result<UniqueFd> create_component(int parent, const std::string& name, Kind kind, mode_t mode,
                                  const std::string& shown) {
    if (kind == Kind::directory) {
        if (::mkdirat(parent, name.c_str(), mode) < 0 && errno != EEXIST)
            return os_error(errno, "mkdir " + quote(shown));
    } else {
        int fd = ::openat(parent, name.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0 && errno != EEXIST) return os_error(errno, "create " + quote(shown));
        if (fd >= 0) ::close(fd);
    }
    // Re-open without following anything: if a symlink replaced what we created, this fails.
    auto fd = sys::openat2(parent, name, O_PATH | (kind == Kind::directory ? O_DIRECTORY : 0),
                           RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV);
    if (!fd) return os_error(fd.error().code, "open " + quote(shown));
    return fd;
}

}  // namespace

Result<UniqueFd> open_in_root(int root, const std::string& path) {
    auto fd = sys::openat2(root, relative(path), O_PATH, kInRoot);
    if (!fd) return os_error(fd.error().code, "open " + quote(path) + " in rootfs");
    return fd;
}

Result<UniqueFd> open_no_symlinks(int root, const std::string& path) {
    auto fd = sys::openat2(root, relative(path), O_PATH, RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS);
    if (!fd) {
        if (fd.error().code == ELOOP)
            return os_error(ELOOP, quote(path) + " in rootfs is or passes through a symlink");
        return os_error(fd.error().code, "open " + quote(path) + " in rootfs");
    }
    return fd;
}

Result<UniqueFd> create_in_root(int root, const std::string& path, Kind last, mode_t mode) {
    std::string rel = relative(path);
    auto existing = sys::openat2(root, rel, O_PATH, kInRoot);
    if (existing) {
        struct stat st = STRATA_TRY(sys::fstat(existing->get(), quote(path)));
        if (last == Kind::directory && !S_ISDIR(st.st_mode))
            return os_error(ENOTDIR, "mount point " + quote(path) + " in rootfs is not a directory");
        if (last == Kind::file && S_ISDIR(st.st_mode))
            return os_error(EISDIR, "mount point " + quote(path) + " in rootfs is a directory");
        return existing;
    }
    if (existing.error().code != ENOENT)
        return os_error(existing.error().code, "open " + quote(path) + " in rootfs");

    // Walk down from the root, resolving each existing prefix in root and creating the rest.
    auto parts = split_nonempty(rel, '/');
    UniqueFd cur = STRATA_TRY(sys::openat2(root, ".", O_PATH | O_DIRECTORY, kInRoot));
    std::string done;
    for (size_t i = 0; i < parts.size(); ++i) {
        done += "/" + parts[i];
        bool is_last = i + 1 == parts.size();
        auto next = sys::openat2(root, relative(done), O_PATH, kInRoot);
        if (next) {
            if (!is_last) {
                struct stat st = STRATA_TRY(sys::fstat(next->get(), quote(done)));
                if (!S_ISDIR(st.st_mode)) return os_error(ENOTDIR, "open " + quote(done) + " in rootfs");
            }
            cur = std::move(*next);
            continue;
        }
        if (next.error().code != ENOENT) return os_error(next.error().code, "open " + quote(done) + " in rootfs");
        // `done` may end in a dangling symlink: creating relative to `cur` with the plain name
        // would follow nothing (mkdirat does not follow; O_NOFOLLOW|O_EXCL refuses), so a
        // dangling symlink makes creation fail with EEXIST + ELOOP rather than escape.
        cur = STRATA_TRY(create_component(cur.get(), parts[i], is_last ? last : Kind::directory,
                                          mode, done));
    }
    return cur;
}

Result<Parent> parent_in_root(int root, const std::string& path) {
    std::string clean = sys::clean_path("/" + path);
    if (clean == "/") return os_error(EINVAL, "path " + quote(path) + " has no parent");
    Parent p;
    p.dir = STRATA_TRY(create_in_root(root, sys::dirname(clean), Kind::directory));
    p.name = sys::basename(clean);
    return p;
}

}  // namespace strata::rootfs
