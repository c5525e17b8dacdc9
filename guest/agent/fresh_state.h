#pragma once
// What a VM must not share with its siblings when it was restored from a booted template
// (src/vm/template/template.h): the kernel's random pool and the clock are the template's until the agent
// replaces them with the host's, before anything of the workload runs. Done on every boot: on a
// cold one it only adds entropy early and sets the clock more precisely than the RTC.

#include <cstdint>
#include <string_view>

#include "base/result.h"

namespace strata::agent {

// Mixes `entropy` into the kernel's pool, credits it, and reseeds the CRNG at once.
Result<> seed_random(std::string_view entropy);

// Sets CLOCK_REALTIME (0: leaves it).
Result<> set_clock(uint64_t realtime_ns);

}  // namespace strata::agent
