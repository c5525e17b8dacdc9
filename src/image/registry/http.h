#pragma once
// One HTTP(S) connection's worth of libcurl (an easy handle: reused connections, one thread at a
// time): GET a small document into memory, or stream a body to a callback.

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace strata::image::registry {

struct Request {
    std::string url;
    std::vector<std::string> headers;  // "Accept: ...", "Authorization: ..."
    bool tls_verify = true;
    bool head = false;                 // HEAD: headers only
};

struct Response {
    long status = 0;
    std::map<std::string, std::string> headers;  // of the last response, names lowercase
    std::string body;                            // fetch() only
    std::string header(std::string_view name) const;
};

// Why a request failed before any HTTP status: the TLS handshake (a plain-HTTP server or a
// certificate), or anything else (connection refused, timeout, ...).
enum class Failure { none, tls, certificate, other };

class Http {
public:
    static Result<Http> create();
    Http(Http&& o) noexcept;
    Http& operator=(Http&&) = delete;
    ~Http();

    // The whole body in memory; more than `max` bytes is an error.
    Result<Response> fetch(const Request& req, size_t max);
    // The body goes to `sink` chunk by chunk (returning false aborts); kept out of `body`.
    Result<Response> stream(const Request& req, const std::function<bool(const char*, size_t)>& sink);
    // The kind of transport failure of the last failed call.
    Failure last_failure() const { return m_failure; }

private:
    Http() = default;
    Result<Response> perform(const Request& req, const std::function<bool(const char*, size_t)>& sink);
    void* m_curl = nullptr;
    Failure m_failure = Failure::none;
};

std::string base64(std::string_view in);
// Percent-encodes a query parameter value.
std::string url_escape(std::string_view s);

}  // namespace strata::image::registry
