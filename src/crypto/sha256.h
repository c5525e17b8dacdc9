#pragma once
// SHA-256, strata's only one: image blob and layer digests, and the keys of the VM asset caches
// (rootfs images, initramfs archives, booted templates), which every container on the host shares,
// so a bundle's author must not be able to forge one: a cryptographic hash, not FNV.
//
// Over libcrypto, loaded on first use (crypto_api.h): with SHA-NI it hashes ~6x faster than the
// hand-written one strata had for its VM caches (110 MB: 78 ms against ~500 ms), which a layer
// import needs; loading it costs a VM start ~2 ms (docs/design/vm.md, 2026-12-02).

#include <openssl/types.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "base/result.h"

namespace strata::crypto {

struct CryptoApi;

class Sha256 {
public:
    // Fails only where libcrypto cannot be loaded (the error names the package to install).
    static Result<Sha256> create();
    Sha256(Sha256&& o) noexcept : m_api(o.m_api), m_ctx(std::exchange(o.m_ctx, nullptr)) {}
    Sha256& operator=(Sha256&&) = delete;
    ~Sha256();

    void update(const void* data, size_t n);
    void update(std::string_view s) { update(s.data(), s.size()); }
    // Lower-case hex (64 characters) of everything passed to update; the hasher is spent afterwards.
    std::string hex();
    // The OCI form of the same: "sha256:<hex>".
    std::string digest() { return "sha256:" + hex(); }

private:
    Sha256(const CryptoApi* api, EVP_MD_CTX* ctx) : m_api(api), m_ctx(ctx) {}
    const CryptoApi* m_api;
    EVP_MD_CTX* m_ctx;
};

// The hex SHA-256 of `data`.
Result<std::string> sha256_hex(std::string_view data);

}  // namespace strata::crypto
