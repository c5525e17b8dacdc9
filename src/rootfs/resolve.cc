#include "rootfs/resolve.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>

#include <algorithm>

#include "base/strings.h"
#include "sys/file.h"

namespace strata::rootfs {
namespace {

constexpr uint64_t kInRoot = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
constexpr int kMaxSymlinks = 40;  // as the kernel's path walk

// A path relative to the root for openat2: "/a/b" -> "a/b", "/" -> ".".
std::string relative(const std::string& path) {
    std::string c = sys::clean_path("/" + path);
    return c == "/" ? "." : c.substr(1);
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

// A MkdirAll confined to the root. The walk goes one component at a time: each is opened
// O_NOFOLLOW relative to a directory fd already inside the root; a symlink is read and its target
// walked the same way (absolute targets from the root fd, ".." by re-resolving the parent with
// RESOLVE_IN_ROOT), and what is missing is made with mkdirat/openat relative to that fd. So a
// dangling symlink in an image (/var/run -> ../run) works like on a real system, while no
// symlink - present or raced in - can lead a creation or a mount outside the root.
Result<UniqueFd> create_in_root(int root, const std::string& path, Kind last, mode_t mode) {
    std::string shown = sys::clean_path("/" + path);
    // Fast path: it all exists already.
    if (auto existing = sys::openat2(root, relative(path), O_PATH, kInRoot)) {
        struct stat st = STRATA_TRY(sys::fstat(existing->get(), quote(shown)));
        if (last == Kind::directory && !S_ISDIR(st.st_mode))
            return os_error(ENOTDIR, "mount point " + quote(shown) + " in rootfs is not a directory");
        if (last == Kind::file && S_ISDIR(st.st_mode))
            return os_error(EISDIR, "mount point " + quote(shown) + " in rootfs is a directory");
        return existing;
    } else if (existing.error().code != ENOENT) {
        return os_error(existing.error().code, "open " + quote(shown) + " in rootfs");
    }

    std::vector<std::string> todo = split_nonempty(relative(path) == "." ? "" : relative(path), '/');
    std::reverse(todo.begin(), todo.end());  // a stack: back() is the next component
    std::string at = "/";                     // where `cur` is, as a path inside the root
    UniqueFd cur = STRATA_TRY(sys::openat2(root, ".", O_PATH | O_DIRECTORY, kInRoot));
    int links = 0;
    while (!todo.empty()) {
        std::string comp = todo.back();
        todo.pop_back();
        bool is_last = todo.empty();
        if (comp == ".") continue;
        if (comp == "..") {
            at = sys::dirname(at);
            cur = STRATA_TRY(sys::openat2(root, relative(at), O_PATH | O_DIRECTORY, kInRoot));
            continue;
        }
        std::string next_at = sys::path_join(at, comp);
        int fd = ::openat(cur.get(), comp.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT) {
            // Missing: make it here. A racing creation of the same name is fine (EEXIST): the
            // re-open below looks at whatever is there now, following nothing.
            Kind kind = is_last ? last : Kind::directory;
            if (kind == Kind::directory) {
                if (::mkdirat(cur.get(), comp.c_str(), mode) < 0 && errno != EEXIST)
                    return os_error(errno, "mkdir " + quote(next_at) + " in rootfs");
            } else {
                int f = ::openat(cur.get(), comp.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
                if (f < 0 && errno != EEXIST) return os_error(errno, "create " + quote(next_at) + " in rootfs");
                if (f >= 0) ::close(f);
            }
            fd = ::openat(cur.get(), comp.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
        }
        if (fd < 0) return os_error(errno, "open " + quote(next_at) + " in rootfs");
        UniqueFd next(fd);
        struct stat st = STRATA_TRY(sys::fstat(fd, quote(next_at)));
        if (S_ISLNK(st.st_mode)) {
            if (++links > kMaxSymlinks) return os_error(ELOOP, "resolve " + quote(shown) + " in rootfs");
            char buf[4096];
            ssize_t n = ::readlinkat(fd, "", buf, sizeof buf - 1);
            if (n < 0) return os_error(errno, "readlink " + quote(next_at) + " in rootfs");
            std::string target(buf, static_cast<size_t>(n));
            if (target.starts_with('/')) {
                at = "/";
                cur = STRATA_TRY(sys::openat2(root, ".", O_PATH | O_DIRECTORY, kInRoot));
            }
            auto parts = split_nonempty(target, '/');
            for (auto it = parts.rbegin(); it != parts.rend(); ++it) todo.push_back(*it);
            continue;
        }
        if (!is_last) {
            if (!S_ISDIR(st.st_mode)) return os_error(ENOTDIR, "open " + quote(next_at) + " in rootfs");
        } else if (last == Kind::directory && !S_ISDIR(st.st_mode)) {
            return os_error(ENOTDIR, "mount point " + quote(shown) + " in rootfs is not a directory");
        } else if (last == Kind::file && S_ISDIR(st.st_mode)) {
            return os_error(EISDIR, "mount point " + quote(shown) + " in rootfs is a directory");
        }
        at = next_at;
        cur = std::move(next);
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
