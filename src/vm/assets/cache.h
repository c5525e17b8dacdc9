#pragma once
// strata's host-wide cache of VM assets (/var/cache/strata/<kind>/): guest kernels, agent
// initramfs archives, rootfs images. Entries are immutable files named by a SHA-256 key of
// their inputs: written to a temp file and renamed into place, so readers never see a partial
// entry and concurrent builders of the same key both succeed. A use refreshes an entry's mtime;
// pruning unlinks the least recently used entries beyond a count or a byte budget. A running VM
// is not disturbed: QEMU reads the initramfs at launch and holds the rootfs image open (an
// unlinked file lives on while open); entries used in the last minutes are never pruned, which
// covers the moment between choosing an entry and the VMM opening it.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace strata::vm {

// $STRATA_CACHE_DIR or /var/cache/strata.
std::string cache_root();
std::string cache_dir(std::string_view kind);

// How much of a kind the cache keeps: at most `keep` entries and `max_bytes` (allocated).
struct CacheBudget {
    size_t keep;
    uint64_t max_bytes;
};

// The path of entry `key` + `suffix` of `kind`, built by `build(temp_path)` if missing.
// Entries are added only here, so this is where the kind goes back within `budget` (after a
// build) and where temp files of builds killed half-way, an hour old, are removed (before one).
// `built` (optional) reports whether this call built it.
Result<std::string> cached(std::string_view kind, const std::string& name,
                           const std::function<Result<>(const std::string& temp)>& build,
                           std::optional<CacheBudget> budget = std::nullopt, bool* built = nullptr);

// Unlinks the least recently used entries of `kind` beyond `keep` entries or `max_bytes`, except
// those used in the last `min_age_s` seconds.
void prune(std::string_view kind, size_t keep, uint64_t max_bytes, long min_age_s = 600);

}  // namespace strata::vm
