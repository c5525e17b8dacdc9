#include "image/dl/crypto_api.h"

#include "image/dl/dynlib.h"

namespace strata::image::dl {
namespace {

struct Loaded {
    DynLib lib;
    CryptoApi api;
};

Result<Loaded*> load() {
    DynLib lib = STRATA_TRY(DynLib::open("libcrypto.so.3", "libssl3"));
    CryptoApi a{};
    STRATA_TRY(lib.bind(a.md_ctx_new, "EVP_MD_CTX_new"));
    STRATA_TRY(lib.bind(a.md_ctx_free, "EVP_MD_CTX_free"));
    STRATA_TRY(lib.bind(a.sha256, "EVP_sha256"));
    STRATA_TRY(lib.bind(a.digest_init, "EVP_DigestInit_ex"));
    STRATA_TRY(lib.bind(a.digest_update, "EVP_DigestUpdate"));
    STRATA_TRY(lib.bind(a.digest_final, "EVP_DigestFinal_ex"));
    // Never freed, as in archive_api.cc.
    return new Loaded{std::move(lib), a};
}

}  // namespace

Result<const CryptoApi*> crypto_api() {
    static const Result<Loaded*> loaded = load();
    if (!loaded) return std::unexpected(loaded.error());
    return &(*loaded)->api;
}

}  // namespace strata::image::dl
