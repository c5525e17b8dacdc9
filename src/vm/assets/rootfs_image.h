#pragma once
// The container's rootfs as the guest sees it: an erofs image on a read-only virtio disk (the
// agent puts a tmpfs overlay on top), or, for tiny roots, files inside the initramfs. Both are
// cached by a digest of the tree, so an unchanged bundle is packed once.

#include <cstdint>
#include <string>

#include "base/result.h"

namespace strata::vm {

struct RootfsDigest {
    std::string key;        // SHA-256 over every entry's path, type, mode, owner, size, times, inode
    uint64_t bytes = 0;     // regular file contents
    uint64_t entries = 0;
};

// Walks the tree (lstat only, no file contents): ctime changes on every write, chmod, chown or
// xattr change, and the inode on every replacement, so any edit changes the key.
Result<RootfsDigest> digest_rootfs(const std::string& dir);

// The cached erofs image of `dir` (mkfs.erofs, uncompressed: reads under emulation stay cheap).
Result<std::string> erofs_image(const std::string& dir, const RootfsDigest& digest);

}  // namespace strata::vm
