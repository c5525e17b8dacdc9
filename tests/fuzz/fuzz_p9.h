#pragma once
// The body of the 9P server fuzzer (vmm/devices/virtio/p9/server.h: the own VMM's file share,
// whose every message comes from a guest kernel strata does not trust), shared by the libFuzzer
// target (p9_fuzzer.cc, clang) and the replay test (p9_replay_test.cc, the normal build).
//
// An input is a sequence of T-messages, each starting with its size field (clamped to what is
// left), sent to one Server that exports a scratch directory of files, a subdirectory and
// symlinks pointing out of it. After each input: every reply is well formed (its size field is
// its length, it fits the room given, its type is an R-message), and nothing appeared beside
// the export (a message that escaped it would create or rename there). A crash, a sanitizer
// report or a failed check is a bug.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace strata::fuzz {

void p9_init();
void check_p9(std::span<const uint8_t> input);
// Valid sessions (version, attach, walk, open, read, create, write, readdir...) for the corpus.
std::vector<std::vector<uint8_t>> p9_seeds();

}  // namespace strata::fuzz
