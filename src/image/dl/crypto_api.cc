#include "image/dl/crypto_api.h"

#include "image/dl/dynlib.h"

namespace strata::image::dl {
namespace {

struct LoadedCrypto {
    DynLib lib;
    CryptoApi api;
};

Result<LoadedCrypto*> load_crypto() {
    DynLib lib = STRATA_TRY(DynLib::open("libcrypto.so.3", "libssl3"));
    CryptoApi a{};
    STRATA_TRY(lib.bind(a.md_ctx_new, "EVP_MD_CTX_new"));
    STRATA_TRY(lib.bind(a.md_ctx_free, "EVP_MD_CTX_free"));
    STRATA_TRY(lib.bind(a.sha256, "EVP_sha256"));
    STRATA_TRY(lib.bind(a.digest_init, "EVP_DigestInit_ex"));
    STRATA_TRY(lib.bind(a.digest_update, "EVP_DigestUpdate"));
    STRATA_TRY(lib.bind(a.digest_final, "EVP_DigestFinal_ex"));
    // Never freed, as in archive_api.cc.
    return new LoadedCrypto{std::move(lib), a};
}

}  // namespace

Result<const CryptoApi*> crypto_api() {
    static const Result<LoadedCrypto*> loaded = load_crypto();
    if (!loaded) return std::unexpected(loaded.error());
    return &(*loaded)->api;
}

}  // namespace strata::image::dl
