// Replays the fuzzer's seeds and every input it ever crashed on (tests/fuzz/regressions/) through
// the same body, in the normal build: a fixed crash stays fixed without clang or libFuzzer.

#include <dirent.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "spec/default_spec.h"
#include "tests/fuzz/fuzz_config.h"

namespace strata::fuzz {
namespace {

std::vector<std::string> files_in(const std::string& dir) {
    std::vector<std::string> out;
    if (DIR* d = ::opendir(dir.c_str())) {
        while (dirent* e = ::readdir(d))
            if (e->d_name[0] != '.' && std::string(e->d_name) != "README.md") out.push_back(dir + "/" + e->d_name);
        ::closedir(d);
    }
    return out;
}

std::string read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

TEST(FuzzReplay, SeedsAndRegressionsRunClean) {
    init();
    size_t n = 0;
    for (const char* dir : {STRATA_SOURCE_DIR "/src/spec/testdata", STRATA_SOURCE_DIR "/tests/fuzz/seeds",
                            STRATA_SOURCE_DIR "/tests/fuzz/regressions"})
        for (const auto& f : files_in(dir)) {
            SCOPED_TRACE(f);
            check_config(read(f));
            ++n;
        }
    EXPECT_GE(n, 8u);
    for (auto opts : {spec::DefaultSpecOptions{}, spec::DefaultSpecOptions{.hardened = true}})
        check_config(spec::default_spec_json(opts));
}

}  // namespace
}  // namespace strata::fuzz
