#pragma once
// File and directory syscalls: open/openat2, whole-file read and atomic write, fd-relative mkdir,
// and recursive removal that neither follows symlinks nor crosses mount points.

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/unique_fd.h"

namespace strata::sys {

Result<UniqueFd> open(const std::string& path, int flags, mode_t mode = 0);
Result<UniqueFd> openat(int dirfd, const std::string& path, int flags, mode_t mode = 0);
// openat2(2) with RESOLVE_* flags (RESOLVE_IN_ROOT, RESOLVE_NO_SYMLINKS, ...). `what` names the
// object in errors when `path` alone would be ambiguous (e.g. "rootfs" + "/dev/null").
Result<UniqueFd> openat2(int dirfd, const std::string& path, uint64_t flags, uint64_t resolve,
                         mode_t mode = 0);

Result<std::string> read_all(int fd, const std::string& what);
Result<std::string> read_file(const std::string& path);
Result<std::string> read_file_at(int dirfd, const std::string& path);
// Writes all of `data`; on a non-blocking fd that is full (EAGAIN) it waits for POLLOUT.
Result<> write_all(int fd, std::string_view data, const std::string& what);
// Writes `data` to dirfd/name via a temp file + fsync-less rename: readers see old or new, never a
// torn file. (State lives on tmpfs; durability across power loss is not a goal.)
Result<> write_file_atomic(int dirfd, const std::string& name, std::string_view data,
                           mode_t mode = 0644);
// Writes to an existing file (procfs, cgroupfs) with one write(2); such files act on each write.
Result<> write_file(const std::string& path, std::string_view data);
Result<> write_file_at(int dirfd, const std::string& path, std::string_view data);

Result<struct stat> fstat(int fd, const std::string& what);
Result<struct stat> stat(const std::string& path);
bool exists(const std::string& path);

Result<> mkdir(const std::string& path, mode_t mode);
// mkdir -p; existing directories are fine.
Result<> mkdir_all(const std::string& path, mode_t mode);
Result<> mkdirat(int dirfd, const std::string& name, mode_t mode);
Result<> unlinkat(int dirfd, const std::string& name, int flags);
Result<> rmdir(const std::string& path);
// rm -rf of dirfd/name: never follows a symlink and never descends into another mount.
Result<> remove_tree_at(int dirfd, const std::string& name);
Result<> remove_tree(const std::string& path);

Result<std::string> readlink(const std::string& path);
Result<> symlinkat(const std::string& target, int dirfd, const std::string& name);

// Path helpers (no syscalls): normalise "a//b/./c/" and join, without resolving symlinks.
std::string path_join(std::string_view a, std::string_view b);
std::string clean_path(std::string_view p);
std::string dirname(std::string_view p);
std::string basename(std::string_view p);
// Absolute form of `p` relative to the current directory (for --bundle).
Result<std::string> absolute(const std::string& p);

}  // namespace strata::sys
