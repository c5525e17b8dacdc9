#include "sys/file.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "base/strings.h"

namespace strata::sys {

Result<UniqueFd> open(const std::string& path, int flags, mode_t mode) {
    int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
    if (fd < 0) return os_error(errno, "open " + quote(path));
    return UniqueFd(fd);
}

Result<UniqueFd> openat(int dirfd, const std::string& path, int flags, mode_t mode) {
    int fd = ::openat(dirfd, path.c_str(), flags | O_CLOEXEC, mode);
    if (fd < 0) return os_error(errno, "open " + quote(path));
    return UniqueFd(fd);
}

Result<UniqueFd> openat2(int dirfd, const std::string& path, uint64_t flags, uint64_t resolve,
                         mode_t mode) {
    open_how how{};
    how.flags = flags | O_CLOEXEC;
    how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
    how.resolve = resolve;
    int fd;
    do {
        fd = static_cast<int>(::syscall(SYS_openat2, dirfd, path.c_str(), &how, sizeof how));
    } while (fd < 0 && errno == EAGAIN);  // RESOLVE_* lookups retry on concurrent renames
    if (fd < 0) return os_error(errno, "open " + quote(path));
    return UniqueFd(fd);
}

Result<std::string> read_all(int fd, const std::string& what) {
    std::string out;
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            return os_error(errno, "read " + what);
        }
        if (n == 0) return out;
        out.append(buf, static_cast<size_t>(n));
    }
}

Result<std::string> read_file(const std::string& path) {
    UniqueFd fd = STRATA_TRY(open(path, O_RDONLY));
    return read_all(fd.get(), quote(path));
}

Result<std::string> read_file_at(int dirfd, const std::string& path) {
    UniqueFd fd = STRATA_TRY(openat(dirfd, path, O_RDONLY));
    return read_all(fd.get(), quote(path));
}

Result<> write_all(int fd, std::string_view data, const std::string& what) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) {
                pollfd p{fd, POLLOUT, 0};
                ::poll(&p, 1, -1);
                continue;
            }
            return os_error(errno, "write " + what);
        }
        data.remove_prefix(static_cast<size_t>(n));
    }
    return {};
}

namespace {

// The full path of `name` in `dirfd`, for messages (a full disk must say where).
std::string path_in(int dirfd, const std::string& name) {
    if (dirfd == AT_FDCWD) return name;
    auto dir = readlink("/proc/self/fd/" + std::to_string(dirfd));
    return dir ? *dir + "/" + name : name;
}

}  // namespace

Result<> write_file_atomic(int dirfd, const std::string& name, std::string_view data, mode_t mode) {
    std::string tmp = "." + name + ".tmp";
    int fd = ::openat(dirfd, tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
                      mode);
    if (fd < 0) {
        int err = errno;
        return os_error(err, "create " + quote(path_in(dirfd, tmp)));
    }
    UniqueFd owned(fd);
    if (auto r = write_all(fd, data, quote(tmp)); !r) {
        ::unlinkat(dirfd, tmp.c_str(), 0);
        return os_error(r.error().code, "write " + quote(path_in(dirfd, tmp)));
    }
    if (::renameat(dirfd, tmp.c_str(), dirfd, name.c_str()) < 0) {
        int err = errno;
        ::unlinkat(dirfd, tmp.c_str(), 0);
        return os_error(err, "rename " + quote(path_in(dirfd, tmp)) + " to " + quote(name));
    }
    return {};
}

Result<> write_file(const std::string& path, std::string_view data) {
    UniqueFd fd = STRATA_TRY(open(path, O_WRONLY));
    ssize_t n = ::write(fd.get(), data.data(), data.size());
    if (n < 0) return os_error(errno, "write " + quote(std::string(data)) + " to " + quote(path));
    return {};
}

Result<> write_file_at(int dirfd, const std::string& path, std::string_view data) {
    UniqueFd fd = STRATA_TRY(openat(dirfd, path, O_WRONLY));
    ssize_t n = ::write(fd.get(), data.data(), data.size());
    if (n < 0) return os_error(errno, "write " + quote(std::string(data)) + " to " + quote(path));
    return {};
}

Result<struct stat> fstat(int fd, const std::string& what) {
    struct stat st{};
    if (::fstat(fd, &st) < 0) return os_error(errno, "stat " + what);
    return st;
}

Result<struct stat> stat(const std::string& path) {
    struct stat st{};
    if (::stat(path.c_str(), &st) < 0) return os_error(errno, "stat " + quote(path));
    return st;
}

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

Result<> mkdir(const std::string& path, mode_t mode) {
    if (::mkdir(path.c_str(), mode) < 0) return os_error(errno, "mkdir " + quote(path));
    return {};
}

Result<> mkdir_all(const std::string& path, mode_t mode) {
    std::string cur = path.starts_with('/') ? "" : ".";
    for (const auto& part : split_nonempty(path, '/')) {
        cur += "/" + part;
        if (::mkdir(cur.c_str(), mode) < 0 && errno != EEXIST)
            return os_error(errno, "mkdir " + quote(cur));
    }
    return {};
}

Result<> mkdirat(int dirfd, const std::string& name, mode_t mode) {
    if (::mkdirat(dirfd, name.c_str(), mode) < 0) return os_error(errno, "mkdir " + quote(name));
    return {};
}

Result<> unlinkat(int dirfd, const std::string& name, int flags) {
    if (::unlinkat(dirfd, name.c_str(), flags) < 0) return os_error(errno, "remove " + quote(name));
    return {};
}

Result<> rmdir(const std::string& path) {
    if (::rmdir(path.c_str()) < 0) return os_error(errno, "rmdir " + quote(path));
    return {};
}

namespace {

Result<> remove_children(int dirfd, dev_t dev, const std::string& where) {
    int dup = ::fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
    if (dup < 0) return os_error(errno, "dup " + quote(where));
    DIR* d = ::fdopendir(dup);
    if (!d) {
        ::close(dup);
        return os_error(errno, "opendir " + quote(where));
    }
    std::vector<std::pair<std::string, bool>> entries;
    while (dirent* e = ::readdir(d)) {
        if (!std::strcmp(e->d_name, ".") || !std::strcmp(e->d_name, "..")) continue;
        entries.emplace_back(e->d_name, e->d_type == DT_DIR || e->d_type == DT_UNKNOWN);
    }
    ::closedir(d);
    for (auto& [name, maybe_dir] : entries) {
        std::string child = where + "/" + name;
        if (maybe_dir) {
            int fd = ::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (fd >= 0) {
                UniqueFd cfd(fd);
                struct stat st{};
                if (::fstat(fd, &st) < 0) return os_error(errno, "stat " + quote(child));
                if (st.st_dev != dev) return os_error(EBUSY, "remove " + quote(child) + " (a mount point)");
                STRATA_TRY(remove_children(fd, dev, child));
                if (::unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) < 0 && errno != ENOENT)
                    return os_error(errno, "rmdir " + quote(child));
                continue;
            }
            if (errno != ENOTDIR && errno != ELOOP) {
                if (errno == ENOENT) continue;
                return os_error(errno, "open " + quote(child));
            }
        }
        if (::unlinkat(dirfd, name.c_str(), 0) < 0 && errno != ENOENT)
            return os_error(errno, "remove " + quote(child));
    }
    return {};
}

}  // namespace

Result<> remove_tree_at(int dirfd, const std::string& name) {
    int fd = ::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return {};
        if (errno == ENOTDIR || errno == ELOOP) return unlinkat(dirfd, name, 0);
        return os_error(errno, "open " + quote(name));
    }
    UniqueFd owned(fd);
    struct stat st = STRATA_TRY(sys::fstat(fd, quote(name)));
    STRATA_TRY(remove_children(fd, st.st_dev, name));
    if (::unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) < 0 && errno != ENOENT)
        return os_error(errno, "rmdir " + quote(name));
    return {};
}

Result<> remove_tree(const std::string& path) { return remove_tree_at(AT_FDCWD, path); }

Result<std::string> readlink(const std::string& path) {
    char buf[4096];
    ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
    if (n < 0) return os_error(errno, "readlink " + quote(path));
    return std::string(buf, static_cast<size_t>(n));
}

Result<> symlinkat(const std::string& target, int dirfd, const std::string& name) {
    if (::symlinkat(target.c_str(), dirfd, name.c_str()) < 0)
        return os_error(errno, "symlink " + quote(name) + " -> " + quote(target));
    return {};
}

std::string clean_path(std::string_view p) {
    std::vector<std::string> out;
    for (auto& part : split_nonempty(p, '/')) {
        if (part == ".") continue;
        if (part == "..") {
            if (!out.empty() && out.back() != "..") out.pop_back();
            else if (!p.starts_with('/')) out.push_back(part);
            continue;
        }
        out.push_back(std::move(part));
    }
    std::string joined = join(out, "/");
    if (p.starts_with('/')) return "/" + joined;
    return joined.empty() ? "." : joined;
}

std::string path_join(std::string_view a, std::string_view b) {
    if (a.empty()) return clean_path(b);
    return clean_path(std::string(a) + "/" + std::string(b));
}

std::string dirname(std::string_view p) {
    std::string c = clean_path(p);
    size_t pos = c.rfind('/');
    if (pos == std::string::npos) return ".";
    if (pos == 0) return "/";
    return c.substr(0, pos);
}

std::string basename(std::string_view p) {
    std::string c = clean_path(p);
    size_t pos = c.rfind('/');
    return pos == std::string::npos ? c : c.substr(pos + 1);
}

Result<std::string> absolute(const std::string& p) {
    if (p.starts_with('/')) return clean_path(p);
    char buf[4096];
    if (!::getcwd(buf, sizeof buf)) return os_error(errno, "getcwd");
    return path_join(buf, p);
}

}  // namespace strata::sys
