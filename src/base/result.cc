#include "base/result.h"

#include <cstdio>
#include <cstdlib>

namespace strata {

std::string Error::message() const {
    if (code == 0) return context;
    const char* name = strerrorname_np(code);  // "EPERM"; glibc >= 2.32
    return context + ": " + (name ? name : "E?") + " (" + std::strerror(code) + ")";
}

void check_failed(const char* expr, const char* file, int line) {
    std::fprintf(stderr, "strata: internal error: check failed: %s at %s:%d\n", expr, file, line);
    std::abort();
}

}  // namespace strata
