#pragma once
// OpenSSL's libcrypto, loaded on first use (see dynlib/dynlib.h), for strata's one SHA-256
// (sha256.h). Each member has the exact type of the function in <openssl/evp.h>.

#include <openssl/evp.h>

#include "base/result.h"

namespace strata::crypto {

struct CryptoApi {
    decltype(&::EVP_MD_CTX_new) md_ctx_new;
    decltype(&::EVP_MD_CTX_free) md_ctx_free;
    decltype(&::EVP_sha256) sha256;
    decltype(&::EVP_DigestInit_ex) digest_init;
    decltype(&::EVP_DigestUpdate) digest_update;
    decltype(&::EVP_DigestFinal_ex) digest_final;
};

// Loads libcrypto.so.3 once per process.
Result<const CryptoApi*> crypto_api();

}  // namespace strata::crypto
