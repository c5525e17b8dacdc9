#pragma once
// Content digests ("sha256:<64 hex>"): validation, and the SHA-256 of crypto/ in their form.

#include <string>
#include <string_view>

#include "base/result.h"
#include "crypto/sha256.h"

namespace strata::image {

// True for "sha256:" + 64 lowercase hex digits, the only algorithm strata stores (a digest
// names a file in the store, so anything else is refused before it reaches a path).
bool valid_digest(std::string_view d);
// An error naming `what` unless valid_digest(d).
Result<> check_digest(std::string_view d, std::string_view what);
// The 64 hex digits of a valid digest.
inline std::string_view digest_hex(std::string_view d) { return d.substr(7); }

// The streaming hasher (its digest() is the "sha256:<hex>" form).
using crypto::Sha256;

// "sha256:<hex>" of `data`.
Result<std::string> sha256_of(std::string_view data);

}  // namespace strata::image
