#pragma once
// Content digests ("sha256:<64 hex>"): validation and a streaming SHA-256 over libcrypto.

#include <openssl/types.h>

#include <string>
#include <string_view>
#include <utility>

#include "base/result.h"

namespace strata::image {

namespace dl {
struct CryptoApi;
}

// True for "sha256:" + 64 lowercase hex digits, the only algorithm strata stores (a digest
// names a file in the store, so anything else is refused before it reaches a path).
bool valid_digest(std::string_view d);
// An error naming `what` unless valid_digest(d).
Result<> check_digest(std::string_view d, std::string_view what);
// The 64 hex digits of a valid digest.
inline std::string_view digest_hex(std::string_view d) { return d.substr(7); }

class Sha256 {
public:
    static Result<Sha256> create();
    Sha256(Sha256&& o) noexcept : m_api(o.m_api), m_ctx(std::exchange(o.m_ctx, nullptr)) {}
    Sha256& operator=(Sha256&&) = delete;
    ~Sha256();

    void update(const void* data, size_t n);
    // "sha256:<hex>" of everything passed to update; the hasher is spent afterwards.
    std::string finish();

private:
    Sha256(const dl::CryptoApi* api, EVP_MD_CTX* ctx) : m_api(api), m_ctx(ctx) {}
    const dl::CryptoApi* m_api;
    EVP_MD_CTX* m_ctx;
};

Result<std::string> sha256_of(std::string_view data);

}  // namespace strata::image
