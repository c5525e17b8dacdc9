#pragma once
// libcurl, loaded on first use (see dynlib.h; linked in it would cost +6 ms on every exec of
// strata): HTTP(S) for registry pulls. Each member has the exact type of the function in
// <curl/curl.h>; the variadic setopt/getinfo take `long` for integers, as libcurl requires.

#include <curl/curl.h>

#include "base/result.h"

namespace strata::image::dl {

struct CurlApi {
    decltype(&::curl_global_init) global_init;
    decltype(&::curl_easy_init) easy_init;
    decltype(&::curl_easy_cleanup) easy_cleanup;
    decltype(&::curl_easy_setopt) easy_setopt;
    decltype(&::curl_easy_perform) easy_perform;
    decltype(&::curl_easy_getinfo) easy_getinfo;
    decltype(&::curl_easy_strerror) easy_strerror;
    decltype(&::curl_slist_append) slist_append;
    decltype(&::curl_slist_free_all) slist_free_all;
};

// Loads libcurl.so.4 and runs curl_global_init once per process (before any thread uses it).
Result<const CurlApi*> curl_api();

}  // namespace strata::image::dl
