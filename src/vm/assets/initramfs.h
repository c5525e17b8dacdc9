#pragma once
// The guest's initramfs: the agent as /init, the kernel modules a Debian kernel needs to reach
// its virtio devices, and optionally the container's rootfs under /rootfs (tiny roots).

#include <string>
#include <vector>

#include "base/result.h"
#include "vm/assets/rootfs_image.h"

namespace strata::vm {

// Where the agent finds the rootfs in the initramfs.
inline constexpr const char* kInitramfsRootfs = "/rootfs";

struct InitramfsInputs {
    std::string agent;                  // the static agent binary
    std::vector<std::string> modules;   // host paths of .ko files, dependencies first
    std::string rootfs;                 // a host directory to pack under /rootfs, or empty
    const RootfsDigest* rootfs_digest = nullptr;  // its digest (with `rootfs`)
};

// The cached archive for these inputs.
Result<std::string> build_initramfs(const InitramfsInputs& in);

}  // namespace strata::vm
