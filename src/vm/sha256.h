#pragma once
// SHA-256 for cache keys (guest kernel, erofs images, initramfs). Cache entries are shared by every
// container on the host, so the key must not be forgeable by a bundle's author: a cryptographic
// hash, not FNV. Small and dependency-free because strata links no libcrypto (DEVELOPERS.md).

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace strata::vm {

class Sha256 {
public:
    Sha256();
    void update(const void* data, size_t size);
    void update(std::string_view s) { update(s.data(), s.size()); }
    std::array<uint8_t, 32> digest();
    // Lower-case hex of the digest (64 characters).
    std::string hex();

private:
    void block(const uint8_t* p);
    std::array<uint32_t, 8> m_h;
    std::array<uint8_t, 64> m_buf{};
    size_t m_used = 0;
    uint64_t m_total = 0;
};

inline std::string sha256_hex(std::string_view s) {
    Sha256 h;
    h.update(s);
    return h.hex();
}

}  // namespace strata::vm
