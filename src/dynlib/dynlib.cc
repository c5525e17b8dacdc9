#include "dynlib/dynlib.h"

#include <dlfcn.h>

namespace strata::dynlib {

Result<DynLib> DynLib::open(const std::string& soname, const std::string& package) {
    void* h = ::dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char* why = ::dlerror();
        return error("load " + soname + " (install " + package + "): " + (why ? why : "unknown error"));
    }
    return DynLib(h, soname);
}

DynLib::~DynLib() {
    if (m_handle) ::dlclose(m_handle);
}

void* DynLib::symbol(const char* name) const { return ::dlsym(m_handle, name); }

}  // namespace strata::dynlib
