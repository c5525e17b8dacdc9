#pragma once
// DynLib: one dlopen'ed shared library, closed when the handle goes. strata loads
// libarchive, libcrypto and libcurl this way so that it links only glibc: linked in,
// they cost +1.3, +1.3 and +6 ms on every exec of strata (DEVELOPERS.md).

#include <string>
#include <utility>

#include "base/result.h"

namespace strata::dynlib {

class DynLib {
public:
    // dlopen(soname, RTLD_NOW | RTLD_LOCAL); the error names the library and the package to
    // install.
    static Result<DynLib> open(const std::string& soname, const std::string& package);

    DynLib(DynLib&& o) noexcept : m_handle(std::exchange(o.m_handle, nullptr)), m_name(std::move(o.m_name)) {}
    DynLib& operator=(DynLib&&) = delete;
    DynLib(const DynLib&) = delete;
    ~DynLib();

    // Binds `fn` to the symbol `name`; `fn`'s type comes from the library's own header, so a
    // prototype mismatch is a compile error rather than a crash.
    template <class F>
    Result<> bind(F& fn, const char* name) const {
        void* p = symbol(name);
        if (!p) return error(m_name + ": missing symbol " + name);
        fn = reinterpret_cast<F>(p);
        return {};
    }

private:
    DynLib(void* h, std::string name) : m_handle(h), m_name(std::move(name)) {}
    void* symbol(const char* name) const;
    void* m_handle = nullptr;
    std::string m_name;
};

// The API table `Api` of the library `soname`, loaded once per process and filled by
// `bind_all(const DynLib&, Api&) -> Result<>`. Never unloaded: the table is used until exit, and
// unloading at exit could pull the code from under a thread still reading a layer. Thread-safe
// through the static initialiser (which is also why libcurl's global init may run in bind_all).
template <class Api, class BindAll>
Result<const Api*> load_once(const std::string& soname, const std::string& package, BindAll bind_all) {
    struct Loaded {
        DynLib lib;
        Api api;
    };
    static const Result<Loaded*> loaded = [&]() -> Result<Loaded*> {
        DynLib lib = STRATA_TRY(DynLib::open(soname, package));
        Api api{};
        STRATA_TRY(bind_all(lib, api));
        return new Loaded{std::move(lib), api};
    }();
    if (!loaded) return std::unexpected(loaded.error());
    return &(*loaded)->api;
}

}  // namespace strata::dynlib
