// Writes the 9P fuzzer's seed sessions (fuzz_p9.h) into a directory: p9_seeds DIR.

#include <cstdio>
#include <fstream>
#include <string>

#include "tests/fuzz/fuzz_p9.h"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: p9_seeds DIR\n");
        return 2;
    }
    int i = 0;
    for (const auto& s : strata::fuzz::p9_seeds()) {
        std::ofstream out(std::string(argv[1]) + "/p9-seed-" + std::to_string(i++), std::ios::binary);
        out.write(reinterpret_cast<const char*>(s.data()), static_cast<std::streamsize>(s.size()));
    }
    return 0;
}
