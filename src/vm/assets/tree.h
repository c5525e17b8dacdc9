#pragma once
// Walking a directory tree without following symlinks: for the rootfs digest (cache key) and for
// packing a rootfs into an initramfs. Entries come in sorted order so both are deterministic.

#include <sys/stat.h>

#include <functional>
#include <string>

#include "base/result.h"

namespace strata::vm {

struct TreeEntry {
    std::string path;       // relative to the root, "" for the root itself, "bin/sh" below it
    struct stat st;         // lstat
    int dirfd = -1;         // the containing directory (for readlinkat / openat of `name`)
    std::string name;       // last component
};

// Calls `visit` for the root and every entry below it, parents before children. A `visit` error
// stops the walk.
Result<> walk_tree(const std::string& root, const std::function<Result<>(const TreeEntry&)>& visit);

// readlinkat for a symlink entry.
Result<std::string> link_target(const TreeEntry& e);

}  // namespace strata::vm
