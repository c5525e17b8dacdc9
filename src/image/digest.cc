#include "image/digest.h"

#include "image/dl/crypto_api.h"

namespace strata::image {

bool valid_digest(std::string_view d) {
    if (d.size() != 71 || !d.starts_with("sha256:")) return false;
    for (char c : d.substr(7))
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

Result<> check_digest(std::string_view d, std::string_view what) {
    if (valid_digest(d)) return {};
    if (d.starts_with("sha256:") || d.find(':') == std::string_view::npos)
        return error(std::string(what) + ": malformed digest \"" + std::string(d.substr(0, 80)) + "\"");
    return error(std::string(what) + ": unsupported digest algorithm in \"" + std::string(d.substr(0, 80)) + "\" (only sha256)");
}

Result<Sha256> Sha256::create() {
    const dl::CryptoApi* api = STRATA_TRY(dl::crypto_api());
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

std::string Sha256::finish() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    m_api->digest_final(m_ctx, md, &len);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out = "sha256:";
    for (unsigned i = 0; i < len; ++i) {
        out += hex[md[i] >> 4];
        out += hex[md[i] & 15];
    }
    return out;
}

Result<std::string> sha256_of(std::string_view data) {
    Sha256 h = STRATA_TRY(Sha256::create());
    h.update(data.data(), data.size());
    return h.finish();
}

}  // namespace strata::image
