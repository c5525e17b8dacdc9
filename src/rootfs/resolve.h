#pragma once
// Path resolution confined to a root directory fd. Every lookup is openat2(RESOLVE_IN_ROOT) and
// every creation is *at() relative to an fd that was itself resolved inside the root, so a
// symlink (absolute or a ".." chain) in the rootfs, or one swapped in while strata works
// (CVE-2021-30465, CVE-2024-45310), can never make strata touch a host path.

#include <string>

#include "base/result.h"
#include "base/unique_fd.h"

namespace strata::rootfs {

enum class Kind { directory, file };

// Opens root/path as O_PATH, symlinks resolved as if root were "/". Magic links (/proc/self/fd/N)
// are refused.
Result<UniqueFd> open_in_root(int root, const std::string& path);

// Like open_in_root, but creates what is missing (a MkdirAll confined to the root): directories
// for every missing parent and a directory or empty file for the last component. Symlinks,
// dangling ones included, are followed inside the root; nothing is ever created outside it.
Result<UniqueFd> create_in_root(int root, const std::string& path, Kind last, mode_t mode = 0755);

// Opens root/path without following any symlink at all (the final one included): for /proc and
// /sys destinations, which must not be symlinks (CVE-2019-16884, CVE-2023-27561).
Result<UniqueFd> open_no_symlinks(int root, const std::string& path);

// The parent directory of root/path (resolved in root, created if missing) and the last name.
struct Parent {
    UniqueFd dir;
    std::string name;
};
Result<Parent> parent_in_root(int root, const std::string& path);

}  // namespace strata::rootfs
