// libFuzzer entry point over the own VMM's 9P2000.L server. Built by scripts/fuzz.sh (cmake
// -DSTRATA_FUZZ=ON with clang); see fuzz_p9.h.

#include <cstddef>
#include <cstdint>

#include "tests/fuzz/fuzz_p9.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    strata::fuzz::p9_init();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    strata::fuzz::check_p9({data, size});
    return 0;
}
