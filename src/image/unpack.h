#pragma once
// Writes a layer's tar entries into an empty directory, as the layer directory an OverlayFS
// lowerdir needs: whiteouts (".wh.NAME", ".wh..wh..opq") become overlay whiteouts (a 0/0
// character device, the trusted.overlay.opaque xattr); files, directories, symlinks, hard links,
// device nodes and FIFOs keep their mode, owner, xattrs and mtime.
//
// Everything is fd-relative: parents are opened with openat2(RESOLVE_BENEATH), so an entry
// named "../x", or one reached through a symlink that leaves the layer (absolute, or "../.."),
// fails the whole layer instead of writing outside it. Symlinks are created, never followed at
// the last component.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "image/layer_reader.h"

namespace strata::image {

struct UnpackStats {
    int64_t bytes = 0;    // file data written
    int64_t entries = 0;
};

// Unpacks every entry of `reader` into the directory `dirfd` (opened O_RDONLY|O_DIRECTORY).
// The caller checks reader.finish()'s digests afterwards and discards the directory on error.
Result<UnpackStats> unpack(LayerReader& reader, int dirfd);

// The components of a tar entry name inside the layer: a leading "/" or "./" is dropped, as
// tar does; "." and empty components are skipped; any ".." is refused. {} is the layer root.
Result<std::vector<std::string>> entry_components(std::string_view name);

}  // namespace strata::image
