#include "crypto/sha256.h"

#include "crypto/crypto_api.h"

namespace strata::crypto {

Result<Sha256> Sha256::create() {
    const CryptoApi* api = STRATA_TRY(crypto_api());
    EVP_MD_CTX* ctx = api->md_ctx_new();
    if (!ctx) return error("sha256: out of memory");
    if (api->digest_init(ctx, api->sha256(), nullptr) != 1) {
        api->md_ctx_free(ctx);
        return error("sha256: EVP_DigestInit_ex failed");
    }
    return Sha256(api, ctx);
}

Sha256::~Sha256() {
    if (m_ctx) m_api->md_ctx_free(m_ctx);
}

void Sha256::update(const void* data, size_t n) {
    if (n) m_api->digest_update(m_ctx, data, n);
}

std::string Sha256::hex() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    m_api->digest_final(m_ctx, md, &len);
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * len);
    for (unsigned i = 0; i < len; ++i) {
        out += digits[md[i] >> 4];
        out += digits[md[i] & 15];
    }
    return out;
}

Result<std::string> sha256_hex(std::string_view data) {
    Sha256 h = STRATA_TRY(Sha256::create());
    h.update(data);
    return h.hex();
}

}  // namespace strata::crypto
