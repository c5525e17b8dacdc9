#pragma once
// Capabilities: the five sets of process.capabilities, applied with raw capset(2) and prctl.

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "spec/spec.h"

namespace strata::security {

struct CapSets {
    uint64_t bounding = 0, effective = 0, permitted = 0, inheritable = 0, ambient = 0;
};

// Names -> bit sets. Unknown names are an error; names this kernel lacks (beyond cap_last_cap)
// are skipped and reported in `skipped`, as runc does.
Result<CapSets> resolve(const spec::Capabilities& caps, int last_cap, std::vector<std::string>* skipped);

// /proc/sys/kernel/cap_last_cap (cached).
int kernel_last_cap();

// Drops every capability outside `bounding` from the bounding set (needs CAP_SETPCAP).
Result<> apply_bounding(uint64_t bounding, int last_cap);
// Sets effective/permitted/inheritable, then the ambient set.
Result<> apply(const CapSets& sets, int last_cap);
// Keeps permitted capabilities across a setuid to non-root (PR_SET_KEEPCAPS).
Result<> keep_caps(bool keep);

std::string format_mask(uint64_t mask);  // "CAP_CHOWN,CAP_KILL"

}  // namespace strata::security
