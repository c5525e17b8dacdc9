#pragma once
// A client of one repository on an OCI distribution registry (/v2/ API): picks HTTPS or, where
// allowed, plain HTTP; authenticates when the registry answers 401 (Basic, or a Bearer token
// from the registry's token endpoint); fetches manifests and blobs, each checked against its
// digest. Shared by the pull's download threads: each passes its own Http.

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "base/result.h"
#include "image/registry/auth.h"
#include "image/registry/http.h"

namespace strata::image::registry {

struct ClientOptions {
    bool tls_verify = true;
    std::string username, password;  // --creds USER:PASSWORD
};

class Client {
public:
    // HTTPS first; plain HTTP when the TLS handshake fails and either --tls-verify=false or the
    // host is this machine (Docker's rule for loopback registries).
    static Result<std::unique_ptr<Client>> connect(Http& http, const std::string& host,
                                                   const std::string& repository, const ClientOptions& opts);

    struct Document {
        std::string body, media_type, digest;
    };
    // GET /v2/<repo>/manifests/<reference>; `reference` a tag or a digest (then verified).
    Result<Document> manifest(Http& http, const std::string& reference);
    // A small blob (a config), verified.
    Result<std::string> blob(Http& http, const std::string& digest, size_t max);
    // A blob of any size, streamed to `sink`; the caller verifies the digest.
    Result<> blob_stream(Http& http, const std::string& digest, const std::function<bool(const char*, size_t)>& sink);

    const std::string& base_url() const { return m_base; }

private:
    Client() = default;
    // GET with the current credentials; on a 401, authenticates once and retries.
    Result<Response> get(Http& http, const std::string& url, std::vector<std::string> headers,
                         const std::function<bool(const char*, size_t)>* sink, size_t max);
    Result<> authenticate(Http& http, const Response& unauthorized);
    std::string error_text(const std::string& url, const Response& r) const;

    std::string m_host, m_base, m_repo;
    ClientOptions m_opts;
    std::mutex m_mu;      // m_authorization, renewed by whichever thread meets a 401
    std::string m_authorization;  // "Authorization: ..." or empty
};

}  // namespace strata::image::registry
