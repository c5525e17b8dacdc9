// Checks compat/expected, the std::expected stand-in of the clang 14 fuzz build, on what strata
// relies on: which member is alive, that each object is destroyed exactly once, move-only
// values, copies, assignment, and STRATA_TRY. A plain program (scripts/fuzz.sh runs it before
// fuzzing); it aborts on the first failure.

#include <expected>
#include <string>

#include "base/result.h"
#include "base/unique_fd.h"

#define CHECK(c)                                                  \
    do {                                                          \
        if (!(c)) {                                               \
            std::fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #c); \
            std::abort();                                         \
        }                                                         \
    } while (0)

namespace {

int alive = 0;  // Counted objects constructed and not yet destroyed.
struct Counted {
    std::string s;
    explicit Counted(std::string v = "") : s(std::move(v)) { ++alive; }
    Counted(const Counted& o) : s(o.s) { ++alive; }
    Counted(Counted&& o) noexcept : s(std::move(o.s)) { ++alive; }
    Counted& operator=(const Counted&) = default;
    Counted& operator=(Counted&&) = default;
    ~Counted() { --alive; }
};

strata::Result<Counted> make(bool ok) {
    if (ok) return Counted(std::string(40, 'v'));
    return strata::error(std::string(40, 'e'));
}

strata::Result<int> twice(bool ok) {
    Counted c = STRATA_TRY(make(ok));
    return static_cast<int>(c.s.size()) * 2;
}

strata::Result<> void_ok() { return {}; }
strata::Result<> void_err() { return strata::os_error(ENOENT, "open x"); }

}  // namespace

int main() {
#ifdef STRATA_EXPECTED_SHIM
    std::printf("compat/expected in use\n");
#endif
    {
        auto v = make(true);
        auto e = make(false);
        CHECK(v && v.has_value() && v->s == std::string(40, 'v') && (*v).s.size() == 40);
        CHECK(!e && e.error().context == std::string(40, 'e'));
        CHECK(alive == 1);
        auto v2 = v;  // copy
        CHECK(alive == 2 && v2->s == v->s);
        auto v3 = std::move(v2);
        CHECK(v3->s.size() == 40);
        v3 = e;  // value -> error
        CHECK(!v3 && v3.error().context == e.error().context);
        v3 = make(true);  // error -> value
        CHECK(v3 && v3->s.size() == 40);
        Counted taken = std::move(v).value();
        CHECK(taken.s.size() == 40);
        bool threw = false;
        try {
            (void)e.value();
        } catch (const std::bad_expected_access<strata::Error>& x) {
            threw = x.error().context.size() == 40;
        }
        CHECK(threw);
    }
    CHECK(alive == 0);
    CHECK(*twice(true) == 80);
    CHECK(!twice(false) && twice(false).error().context.size() == 40);
    CHECK(alive == 0);
    CHECK(void_ok() && !void_err() && void_err().error().code == ENOENT);
    CHECK(void_err().error().message() == "open x: ENOENT (No such file or directory)");
    {
        strata::Result<strata::UniqueFd> fd = strata::UniqueFd(-1);
        static_assert(!std::is_copy_constructible_v<strata::Result<strata::UniqueFd>>);
        static_assert(std::is_move_constructible_v<strata::Result<strata::UniqueFd>>);
        strata::UniqueFd out = std::move(*fd);
        CHECK(!out.valid());
    }
    auto wrapped = strata::with_context(make(false), "create c1");
    CHECK(wrapped.error().context.starts_with("create c1: "));
    CHECK(alive == 0);
    std::printf("expected shim: all checks passed\n");
    return 0;
}
