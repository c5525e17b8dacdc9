#include "agent/timeline.h"

#include <cstdio>

#include "agent/boot.h"

namespace strata::agent {
namespace {

struct Step {
    const char* name;
    uint64_t at_us;
};
constexpr int kMaxSteps = 24;
Step g_steps[kMaxSteps];
int g_count = 0;

}  // namespace

void mark(const char* step) {
    if (g_count < kMaxSteps) g_steps[g_count++] = {step, uptime_us()};
}

std::string timeline_text() {
    std::string out;
    char buf[64];
    for (int i = 0; i < g_count; ++i) {
        uint64_t t = i == 0 ? g_steps[0].at_us : g_steps[i].at_us - g_steps[i - 1].at_us;
        std::snprintf(buf, sizeof buf, "%s%s %s%llu.%llu", i ? ", " : "", g_steps[i].name, i ? "+" : "",
                      static_cast<unsigned long long>(t / 1000), static_cast<unsigned long long>(t % 1000 / 100));
        out += buf;
    }
    return out;
}

}  // namespace strata::agent
