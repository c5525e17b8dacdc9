#include "image/dl/curl_api.h"

#include "dynlib/dynlib.h"

namespace strata::image::dl {

Result<const CurlApi*> curl_api() {
    return dynlib::load_once<CurlApi>("libcurl.so.4", "libcurl4", [](const dynlib::DynLib& lib, CurlApi& a) -> Result<> {
        STRATA_TRY(lib.bind(a.global_init, "curl_global_init"));
        STRATA_TRY(lib.bind(a.easy_init, "curl_easy_init"));
        STRATA_TRY(lib.bind(a.easy_cleanup, "curl_easy_cleanup"));
        STRATA_TRY(lib.bind(a.easy_setopt, "curl_easy_setopt"));
        STRATA_TRY(lib.bind(a.easy_perform, "curl_easy_perform"));
        STRATA_TRY(lib.bind(a.easy_getinfo, "curl_easy_getinfo"));
        STRATA_TRY(lib.bind(a.easy_strerror, "curl_easy_strerror"));
        STRATA_TRY(lib.bind(a.slist_append, "curl_slist_append"));
        STRATA_TRY(lib.bind(a.slist_free_all, "curl_slist_free_all"));
        // curl_global_init is not thread-safe: done here, inside the once-only static initialiser.
        if (CURLcode rc = a.global_init(CURL_GLOBAL_DEFAULT); rc != CURLE_OK)
            return error(std::string("curl_global_init: ") + a.easy_strerror(rc));
        return {};
    });
}

}  // namespace strata::image::dl
