#pragma once
// The OverlayFS view of an image: its layers read-only, one lowerdir each, under a container's
// own upper and work directories.
//
// Many layers do not fit the classic mount(2) option string (one page, ~45 layers at the
// store's full paths). Kernels since 6.8 take layers one by one ("lowerdir+" through fsconfig),
// which has no such limit; on older ones the layers are named by their short links relative to
// the data root (15 bytes each: ~270 layers).

#include <string>
#include <vector>

#include "base/result.h"
#include "image/store.h"

namespace strata::image {

enum class LowerSyntax {
    automatic,    // append when the kernel has it, else short paths
    append,       // fsconfig "lowerdir+" per layer
    short_paths,  // mount(2) "lowerdir=l/a:l/b" with the data root as working directory
};

struct OverlaySpec {
    std::vector<std::string> diff_ids;  // base layer first, as in the image
    std::string upper, work;            // absolute
    std::string target;                 // the mount point
};

// Mounts the overlay on spec.target (nodev: devices of a container come from its /dev).
Result<> mount_overlay(const Store& store, const OverlaySpec& spec, LowerSyntax syntax = LowerSyntax::automatic);

// True if this kernel's overlay takes "lowerdir+" (Linux 6.8+).
bool kernel_has_lowerdir_append();

}  // namespace strata::image
