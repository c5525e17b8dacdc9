#pragma once
// Result<T>: a value or an Error (errno + context), propagated with STRATA_TRY.

#include <cerrno>
#include <cstring>
#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace strata {

struct Error {
    int code = 0;         // errno, or 0 when the OS was not involved
    std::string context;  // "mount proc on /proc"

    // "context: EPERM (Operation not permitted)", or just the context without an errno.
    std::string message() const;
};

// A subclass only so that ignoring a Result warns: GCC 12's std::expected is not [[nodiscard]].
template <class T = void>
class [[nodiscard]] Result : public std::expected<T, Error> {
public:
    using std::expected<T, Error>::expected;
};

inline std::unexpected<Error> os_error(int code, std::string context) {
    return std::unexpected(Error{code, std::move(context)});
}
inline std::unexpected<Error> error(std::string context) {
    return std::unexpected(Error{0, std::move(context)});
}

// Prefixes "where: " to an error on its way up (GCC 12 has no transform_error).
template <class T>
Result<T> with_context(Result<T>&& r, std::string_view where) {
    if (!r) r.error().context.insert(0, std::string(where) + ": ");
    return std::move(r);
}

// The same for an Error already taken out of a Result: `return wrap(r.error(), "start x");`
inline std::unexpected<Error> wrap(Error e, std::string_view where) {
    e.context.insert(0, std::string(where) + ": ");
    return std::unexpected(std::move(e));
}

// Logs and aborts: a broken invariant is a bug, not an environment error.
[[noreturn]] void check_failed(const char* expr, const char* file, int line);

}  // namespace strata

#define STRATA_CAT_(a, b) a##b
#define STRATA_CAT(a, b) STRATA_CAT_(a, b)
// Unwraps a Result or returns its error from the enclosing function (a GNU statement expression;
// __extension__ keeps -Wpedantic quiet, the __COUNTER__ name keeps nested TRYs -Wshadow clean).
#define STRATA_TRY(...) STRATA_TRY_(STRATA_CAT(strata_try_, __COUNTER__), __VA_ARGS__)
#define STRATA_TRY_(r, ...)                                                    \
    __extension__({                                                            \
        auto&& r = (__VA_ARGS__);                                              \
        if (!r) [[unlikely]] return std::unexpected(std::move(r).error());     \
        std::move(r).value();                                                  \
    })
#define STRATA_CHECK(cond) \
    ((cond) ? (void)0 : ::strata::check_failed(#cond, __FILE__, __LINE__))
