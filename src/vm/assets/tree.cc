#include "vm/assets/tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "base/strings.h"
#include "base/unique_fd.h"
#include "sys/file.h"

namespace strata::vm {
namespace {

Result<> walk_dir(int fd, const std::string& prefix, const std::function<Result<>(const TreeEntry&)>& visit) {
    int dup = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (dup < 0) return os_error(errno, "dup directory fd");
    DIR* d = ::fdopendir(dup);
    if (!d) {
        ::close(dup);
        return os_error(errno, "read directory " + quote(prefix));
    }
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d)) {
        std::string_view n = e->d_name;
        if (n != "." && n != "..") names.emplace_back(n);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
        TreeEntry e;
        e.path = prefix.empty() ? name : prefix + "/" + name;
        e.dirfd = fd;
        e.name = name;
        if (::fstatat(fd, name.c_str(), &e.st, AT_SYMLINK_NOFOLLOW) < 0) {
            if (errno == ENOENT) continue;  // removed while we walk
            return os_error(errno, "stat " + quote(e.path));
        }
        STRATA_TRY(visit(e));
        if (S_ISDIR(e.st.st_mode)) {
            UniqueFd sub = STRATA_TRY(sys::openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            STRATA_TRY(walk_dir(sub.get(), e.path, visit));
        }
    }
    return {};
}

}  // namespace

Result<> walk_tree(const std::string& root, const std::function<Result<>(const TreeEntry&)>& visit) {
    UniqueFd fd = STRATA_TRY(sys::open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    TreeEntry top;
    top.dirfd = AT_FDCWD;
    top.name = root;
    if (::fstat(fd.get(), &top.st) < 0) return os_error(errno, "stat " + quote(root));
    STRATA_TRY(visit(top));
    return walk_dir(fd.get(), "", visit);
}

Result<std::string> link_target(const TreeEntry& e) {
    char buf[4096];
    ssize_t n = ::readlinkat(e.dirfd, e.name.c_str(), buf, sizeof buf);
    if (n < 0) return os_error(errno, "readlink " + quote(e.path));
    return std::string(buf, static_cast<size_t>(n));
}

}  // namespace strata::vm
