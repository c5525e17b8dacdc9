#include "image/registry/auth.h"

#include <cctype>

#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "image/registry/http.h"

namespace strata::image::registry {

Result<Challenge> parse_challenge(std::string_view h) {
    Challenge c;
    h = trim(h);
    size_t sp = h.find(' ');
    std::string_view scheme = h.substr(0, sp);
    if (scheme.empty()) return error("empty WWW-Authenticate challenge");
    for (char ch : scheme) c.scheme += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (sp == std::string_view::npos) return c;
    std::string_view rest = h.substr(sp + 1);
    size_t i = 0;
    while (i < rest.size()) {
        while (i < rest.size() && (rest[i] == ' ' || rest[i] == ',')) ++i;
        size_t eq = rest.find('=', i);
        if (eq == std::string_view::npos) break;
        std::string key;
        for (char ch : trim(rest.substr(i, eq - i))) key += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        i = eq + 1;
        std::string value;
        if (i < rest.size() && rest[i] == '"') {
            ++i;
            bool closed = false;
            while (i < rest.size()) {
                char ch = rest[i++];
                if (ch == '\\' && i < rest.size()) {
                    value += rest[i++];
                } else if (ch == '"') {
                    closed = true;
                    break;
                } else {
                    value += ch;
                }
            }
            if (!closed) return error("WWW-Authenticate: unterminated quoted value for " + quote(key));
        } else {
            size_t end = rest.find(',', i);
            value = std::string(trim(rest.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i)));
            i = end == std::string_view::npos ? rest.size() : end;
        }
        c.params[key] = value;
    }
    return c;
}

std::string token_url(const Challenge& c, const std::string& scope) {
    std::string url = c.param("realm");
    char sep = url.find('?') == std::string::npos ? '?' : '&';
    if (!c.param("service").empty()) {
        url += sep + std::string("service=") + url_escape(c.param("service"));
        sep = '&';
    }
    std::string s = scope.empty() ? c.param("scope") : scope;
    if (!s.empty()) url += sep + std::string("scope=") + url_escape(s);
    return url;
}

Result<std::string> parse_token_response(std::string_view body) {
    auto j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return error("token endpoint: answer is not a JSON object");
    for (const char* k : {"token", "access_token"})
        if (j.contains(k) && j[k].is_string() && !j[k].get<std::string>().empty()) return j[k].get<std::string>();
    return error("token endpoint: answer has no token");
}

}  // namespace strata::image::registry
