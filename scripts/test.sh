#!/usr/bin/env bash
# Sets up (packages + build) and runs every test: unit, integration, clients, VM, VMM, and the
# crash-safety fault-injection tests (label `faults`, ~1 min, through build/strata-faults); then the
# unit and integration tests again against an AddressSanitizer/UBSan build, and the config.json and
# 9P server fuzzers for a bounded time. Ends with CTest's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
# Each phase says when it starts, so a slow CI run shows where its time went.
phase() { echo "== $* (at ${SECONDS}s)"; }
phase "set-up: packages and the build"
scripts/setup.sh test

phase "sanitizer build (ASan + UBSan): unit and integration tests"
cmake -S . -B build-asan -DSTRATA_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-asan -j"$(nproc)"
phase "sanitizer tests"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j1 -L 'unit|integration' -LE 'slow|clients|vm|vmm|cgroupv2|compare')

phase "fuzzing config.json and the 9P server (STRATA_FUZZ_SECONDS, default 60 s)"
scripts/fuzz.sh

phase "full test suite (faults included: ctest -L faults runs them alone)"
cd build
ctest --output-on-failure -j1 "$@"
