// libFuzzer entry point over config.json: parser, validator, seccomp compiler. Built by
// scripts/fuzz.sh (cmake -DSTRATA_FUZZ=ON with clang); see fuzz_config.h.

#include <cstddef>
#include <cstdint>

#include "tests/fuzz/fuzz_config.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    strata::fuzz::init();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    strata::fuzz::check_config({reinterpret_cast<const char*>(data), size});
    return 0;
}
