#include "crypto/crypto_api.h"

#include "dynlib/dynlib.h"

namespace strata::crypto {

Result<const CryptoApi*> crypto_api() {
    return dynlib::load_once<CryptoApi>("libcrypto.so.3", "libssl3", [](const dynlib::DynLib& lib, CryptoApi& a) -> Result<> {
        STRATA_TRY(lib.bind(a.md_ctx_new, "EVP_MD_CTX_new"));
        STRATA_TRY(lib.bind(a.md_ctx_free, "EVP_MD_CTX_free"));
        STRATA_TRY(lib.bind(a.sha256, "EVP_sha256"));
        STRATA_TRY(lib.bind(a.digest_init, "EVP_DigestInit_ex"));
        STRATA_TRY(lib.bind(a.digest_update, "EVP_DigestUpdate"));
        STRATA_TRY(lib.bind(a.digest_final, "EVP_DigestFinal_ex"));
        return {};
    });
}

}  // namespace strata::crypto
