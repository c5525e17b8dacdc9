#pragma once
// The agent's own timeline: guest uptime at each step, sent to the host (a trace frame) when it
// logs at debug level. Under software emulation every first-run code path pays its translation,
// so where the guest's milliseconds go is not guessable from the host; this says it.

#include <cstdint>
#include <string>

namespace strata::agent {

// Records `step` at the current guest uptime. Fixed storage: steps past the capacity are dropped.
// The workload's child marks too, between clone and exec (its steps are named "c.*").
void mark(const char* step);

// "init 531.2, channel +4.4, config +1.0, ..." (first absolute, then deltas, in ms).
std::string timeline_text();

}  // namespace strata::agent
