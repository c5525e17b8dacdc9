// Replays the 9P fuzzer's seeds and every input it ever crashed on (tests/fuzz/p9-regressions/)
// through the same body, in the normal build: a fixed crash stays fixed without clang or libFuzzer.

#include <dirent.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "tests/fuzz/fuzz_p9.h"

namespace strata::fuzz {
namespace {

TEST(P9FuzzReplay, SeedsAndRegressionsRunClean) {
    p9_init();
    size_t n = 0;
    for (const auto& s : p9_seeds()) {
        check_p9(s);
        ++n;
    }
    const std::string dir = STRATA_SOURCE_DIR "/tests/fuzz/p9-regressions";
    if (DIR* d = ::opendir(dir.c_str())) {
        while (dirent* e = ::readdir(d)) {
            const std::string name = e->d_name;
            if (name[0] == '.' || name == "README.md") continue;
            SCOPED_TRACE(name);
            std::ifstream in(dir + "/" + name, std::ios::binary);
            std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
            check_p9(bytes);
            ++n;
        }
        ::closedir(d);
    }
    EXPECT_GE(n, 3u);
}

}  // namespace
}  // namespace strata::fuzz
