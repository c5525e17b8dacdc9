#pragma once
// strata's host-wide cache of VM assets (/var/cache/strata/<kind>/): guest kernels, agent
// initramfs archives, rootfs images. Entries are immutable files named by a SHA-256 key of
// their inputs: written to a temp file and renamed into place, so readers never see a partial
// entry and concurrent builders of the same key both succeed. A use refreshes an entry's mtime;
// pruning unlinks entries unused for a week beyond a per-kind count (a VM that still has an
// image open keeps the inode).

#include <functional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace strata::vm {

// $STRATA_CACHE_DIR or /var/cache/strata.
std::string cache_root();
std::string cache_dir(std::string_view kind);

// The path of entry `key` + `suffix` of `kind`, built by `build(temp_path)` if missing.
// `built` (optional) reports whether this call built it.
Result<std::string> cached(std::string_view kind, const std::string& name,
                           const std::function<Result<>(const std::string& temp)>& build,
                           bool* built = nullptr);

// Unlinks the oldest entries of `kind` beyond `keep`, if they are older than `min_age_s`.
void prune(std::string_view kind, size_t keep, long min_age_s = 7 * 24 * 3600);

}  // namespace strata::vm
