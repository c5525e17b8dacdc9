#pragma once
// Number formatting for VMM messages: guest addresses and ports read best in hex.

#include <cstdint>
#include <cstdio>
#include <string>

namespace strata::vmm {

// "0x1f000"
inline std::string hex(uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%#llx", static_cast<unsigned long long>(v));
    return buf;
}

}  // namespace strata::vmm
