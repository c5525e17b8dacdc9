// Writes the configs `strata spec` produces (default, hardened, rootless) into a directory, as
// seeds for the fuzzer: they cover the whole default seccomp profile.

#include <cstdio>
#include <fstream>
#include <string>

#include "spec/default_spec.h"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: config_seeds DIR\n");
        return 2;
    }
    using strata::spec::DefaultSpecOptions;
    const std::pair<const char*, DefaultSpecOptions> specs[] = {
        {"spec-default.json", {}},
        {"spec-hardened.json", {.hardened = true}},
        {"spec-rootless.json", {.rootless = true, .rootless_uid = 1000, .rootless_gid = 1000}},
    };
    for (const auto& [name, opts] : specs) {
        std::ofstream out(std::string(argv[1]) + "/" + name);
        out << strata::spec::default_spec_json(opts);
        if (!out) return 1;
    }
    return 0;
}
