#!/usr/bin/env bash
# Builds the config.json fuzzer (parser + validator + seccomp compiler) and the 9P server fuzzer
# (the own VMM's file share, tests/fuzz/fuzz_p9.h) with clang and libFuzzer and runs each for a
# bounded time.
#   scripts/fuzz.sh [SECONDS]     (default 60; STRATA_FUZZ_SECONDS works too; the 9P fuzzer gets
#                                  half of it: STRATA_P9_FUZZ_SECONDS)
# The growing corpus lives in build-fuzz/fuzz-corpus; seeds are src/spec/testdata, tests/fuzz/
# seeds, the configs `strata spec` writes and every past crash (tests/fuzz/regressions). A new
# crash lands in build-fuzz/fuzz-crashes/: fix it and copy the input to tests/fuzz/regressions/,
# where the normal build's fuzz_replay_test keeps replaying it.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-${STRATA_FUZZ_SECONDS:-60}}
p9_secs=${STRATA_P9_FUZZ_SECONDS:-$((secs / 2))}
cc=${STRATA_FUZZ_CC:-clang-14}
cxx=${STRATA_FUZZ_CXX:-clang++-14}
out=build-fuzz

cmake -S . -B "$out" -DSTRATA_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" >/dev/null
cmake --build "$out" -j"$(nproc)" --target config_fuzzer config_seeds expected_shim_test p9_fuzzer p9_seeds
"$out/tests/fuzz/expected_shim_test"

seeds="$out/fuzz-seeds"
rm -rf "$seeds"
mkdir -p "$seeds" "$out/fuzz-corpus" "$out/fuzz-crashes"
cp src/spec/testdata/*.json tests/fuzz/seeds/* "$seeds/"
find tests/fuzz/regressions -type f ! -name README.md -exec cp {} "$seeds/" \;
"$out/tests/fuzz/config_seeds" "$seeds"

echo "== fuzzing config.json for ${secs}s"
# One worker: the machine is shared. -timeout: an input slower than 10 s is a bug too.
"$out/tests/fuzz/config_fuzzer" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
    -dict=tests/fuzz/config.dict -artifact_prefix="$out/fuzz-crashes/" -print_final_stats=1 \
    "$out/fuzz-corpus" "$seeds"

echo "== fuzzing the 9P server for ${p9_secs}s"
p9_seeds="$out/p9-fuzz-seeds"
rm -rf "$p9_seeds"
mkdir -p "$p9_seeds" "$out/p9-fuzz-corpus" "$out/p9-fuzz-crashes"
"$out/tests/fuzz/p9_seeds" "$p9_seeds"
find tests/fuzz/p9-regressions -type f ! -name README.md -exec cp {} "$p9_seeds/" \;
"$out/tests/fuzz/p9_fuzzer" -max_total_time="$p9_secs" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$out/p9-fuzz-crashes/" -print_final_stats=1 "$out/p9-fuzz-corpus" "$p9_seeds"
