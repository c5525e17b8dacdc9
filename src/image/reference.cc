#include "image/reference.h"

#include "base/strings.h"
#include "image/digest.h"

namespace strata::image {
namespace {

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// A path component: lowercase letters and digits, separated by '.', '_', "__" or '-'s.
bool valid_component(std::string_view c) {
    if (c.empty() || !is_lower_alnum(c.front()) || !is_lower_alnum(c.back())) return false;
    for (char ch : c)
        if (!is_lower_alnum(ch) && ch != '.' && ch != '_' && ch != '-') return false;
    return true;
}

bool valid_tag(std::string_view t) {
    if (t.empty() || t.size() > 128 || t.front() == '.' || t.front() == '-') return false;
    for (char c : t)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-'))
            return false;
    return true;
}

bool valid_host(std::string_view h) {
    if (h.empty()) return false;
    for (char c : h)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == ':' || c == '[' || c == ']'))
            return false;
    return true;
}

}  // namespace

std::string Reference::str() const {
    if (!tag.empty()) return name() + ":" + tag + (digest.empty() ? "" : "@" + digest);
    return name() + "@" + digest;
}

std::string Reference::api_host() const {
    return registry == "docker.io" ? "registry-1.docker.io" : registry;
}

Result<Reference> parse_reference(std::string_view s, std::string_view default_registry) {
    auto bad = [&](const std::string& why) {
        return error("invalid image reference " + quote(s) + ": " + why);
    };
    Reference r;
    std::string_view rest = s;
    if (size_t at = rest.find('@'); at != std::string_view::npos) {
        r.digest = std::string(rest.substr(at + 1));
        if (auto ok = check_digest(r.digest, "digest"); !ok) return bad(ok.error().context);
        rest = rest.substr(0, at);
    }
    // A tag is after the last ':' that comes after the last '/' (a ':' before it is a port).
    size_t slash = rest.rfind('/');
    size_t colon = rest.rfind(':');
    if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
        r.tag = std::string(rest.substr(colon + 1));
        if (!valid_tag(r.tag)) return bad("bad tag " + quote(r.tag));
        rest = rest.substr(0, colon);
    }
    if (rest.empty()) return bad("no name");
    size_t first = rest.find('/');
    std::string_view head = rest.substr(0, first);
    if (first != std::string_view::npos &&
        (head.find('.') != std::string_view::npos || head.find(':') != std::string_view::npos ||
         head == "localhost")) {
        if (!valid_host(head)) return bad("bad registry host " + quote(head));
        r.registry = std::string(head);
        rest = rest.substr(first + 1);
    } else {
        r.registry = std::string(default_registry);
    }
    auto parts = split(rest, '/');
    for (const auto& p : parts)
        if (!valid_component(p)) return bad("bad name component " + quote(p) + " (lowercase letters, digits, '.', '_', '-')");
    if (r.registry == "docker.io" && parts.size() == 1) r.repository = "library/";
    r.repository += std::string(rest);
    if (r.repository.size() > 255) return bad("name longer than 255 characters");
    if (r.tag.empty() && r.digest.empty()) r.tag = "latest";
    return r;
}

bool looks_like_id(std::string_view s) {
    if (s.starts_with("sha256:")) s.remove_prefix(7);
    if (s.size() < 3 || s.size() > 64) return false;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

}  // namespace strata::image
