#include "agent/timeline.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdio>

#include "agent/boot.h"

namespace strata::agent {
namespace {

struct Step {
    const char* name;
    uint64_t at_us;
};
constexpr int kMaxSteps = 40;
// Shared (not private) memory, so the workload's child, between clone and exec, marks its own
// steps into the same timeline.
struct Timeline {
    int count;
    Step steps[kMaxSteps];
};
Timeline* timeline() {
    static Timeline* t = [] {
        void* p = ::mmap(nullptr, sizeof(Timeline), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        return p == MAP_FAILED ? nullptr : static_cast<Timeline*>(p);
    }();
    return t;
}

}  // namespace

void mark(const char* step) {
    Timeline* t = timeline();
    if (!t) return;
    int i = __atomic_fetch_add(&t->count, 1, __ATOMIC_RELAXED);
    if (i < kMaxSteps) t->steps[i] = {step, uptime_us()};
}

std::string timeline_text() {
    std::string out;
    char buf[64];
    const Timeline* tl = timeline();
    for (int i = 0; tl && i < std::min(tl->count, kMaxSteps); ++i) {
        const Step* s = tl->steps;
        uint64_t t = i == 0 ? s[0].at_us : s[i].at_us - s[i - 1].at_us;
        std::snprintf(buf, sizeof buf, "%s%s %s%llu.%llu", i ? ", " : "", s[i].name, i ? "+" : "",
                      static_cast<unsigned long long>(t / 1000), static_cast<unsigned long long>(t % 1000 / 100));
        out += buf;
    }
    return out;
}

}  // namespace strata::agent
