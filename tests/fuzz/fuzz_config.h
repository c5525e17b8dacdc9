#pragma once
// The body of the config.json fuzzer, shared by the libFuzzer target (config_fuzzer.cc, clang)
// and the replay test (replay_test.cc, the normal build): parse + validate a config, and if it
// has a seccomp section, compile it to BPF (never loaded). Any crash, sanitizer report, uncaught
// exception or broken invariant is a bug; a clean error for bad input is the expected outcome.

#include <string_view>

namespace strata::fuzz {

// Quiets the log (unknown syscall names warn) so that fuzzing is not an stderr benchmark.
void init();
void check_config(std::string_view input);

}  // namespace strata::fuzz
