#include "image/dl/crypto_api.h"

#include "image/dl/dynlib.h"

namespace strata::image::dl {

Result<const CryptoApi*> crypto_api() {
    return load_once<CryptoApi>("libcrypto.so.3", "libssl3", [](const DynLib& lib, CryptoApi& a) -> Result<> {
        STRATA_TRY(lib.bind(a.md_ctx_new, "EVP_MD_CTX_new"));
        STRATA_TRY(lib.bind(a.md_ctx_free, "EVP_MD_CTX_free"));
        STRATA_TRY(lib.bind(a.sha256, "EVP_sha256"));
        STRATA_TRY(lib.bind(a.digest_init, "EVP_DigestInit_ex"));
        STRATA_TRY(lib.bind(a.digest_update, "EVP_DigestUpdate"));
        STRATA_TRY(lib.bind(a.digest_final, "EVP_DigestFinal_ex"));
        return {};
    });
}

}  // namespace strata::image::dl
