#pragma once
// Registry authentication as the distribution spec and Docker do it: a 401 carries a
// WWW-Authenticate challenge; "Basic" wants the credentials on every request, "Bearer" sends the
// client to a token endpoint (realm, service, scope) for a token to send instead. Pure.

#include <map>
#include <string>
#include <string_view>

#include "base/result.h"

namespace strata::image::registry {

struct Challenge {
    std::string scheme;                         // "bearer" or "basic" (lowercase)
    std::map<std::string, std::string> params;  // realm, service, scope (names lowercase)
    std::string param(const std::string& k) const {
        auto it = params.find(k);
        return it == params.end() ? "" : it->second;
    }
};

// Parses one WWW-Authenticate header value (RFC 7235: scheme, then key=value or key="value"
// pairs separated by commas; quoted values may hold commas and \-escapes).
Result<Challenge> parse_challenge(std::string_view header);

// The token endpoint's URL for a bearer challenge and `scope` (the challenge's own scope when
// empty).
std::string token_url(const Challenge& c, const std::string& scope);

// The token in the endpoint's JSON answer ({"token": ...} or {"access_token": ...}).
Result<std::string> parse_token_response(std::string_view body);

}  // namespace strata::image::registry
