#include "image/digest.h"

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

Result<std::string> sha256_of(std::string_view data) {
    Sha256 h = STRATA_TRY(Sha256::create());
    h.update(data.data(), data.size());
    return h.digest();
}

}  // namespace strata::image
