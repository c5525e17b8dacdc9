#include "image/registry/client.h"

#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "image/digest.h"
#include "image/oci.h"

namespace strata::image::registry {
namespace {

bool is_loopback(const std::string& host) {
    std::string h = host.substr(0, host.rfind(':') == std::string::npos || host.back() == ']' ? host.size() : host.rfind(':'));
    return h == "localhost" || h.starts_with("127.") || h == "[::1]";
}

bool ok(long status) { return status >= 200 && status <= 299; }

}  // namespace

std::string Client::error_text(const std::string& url, const Response& r) const {
    std::string out = "GET " + url + ": HTTP " + std::to_string(r.status);
    // The distribution spec's error body: {"errors": [{"code", "message"}]}.
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_object() && j.contains("errors") && j["errors"].is_array())
        for (const auto& e : j["errors"])
            if (e.is_object()) out += " " + e.value("code", std::string()) + ": " + e.value("message", std::string());
    return out;
}

Result<std::unique_ptr<Client>> Client::connect(Http& http, const std::string& host,
                                                const std::string& repository, const ClientOptions& opts) {
    std::unique_ptr<Client> c(new Client());
    c->m_host = host;
    c->m_repo = repository;
    c->m_opts = opts;
    c->m_base = "https://" + host;
    Request ping{c->m_base + "/v2/", {}, opts.tls_verify};
    auto r = http.fetch(ping, 65536);
    if (!r) {
        Failure f = http.last_failure();
        if (f == Failure::certificate)
            return wrap(r.error(), "registry " + host + " (its certificate is not trusted; --tls-verify=false skips the check)");
        if (f != Failure::tls || (opts.tls_verify && !is_loopback(host)))
            return wrap(r.error(), "registry " + host);
        c->m_base = "http://" + host;
        ping.url = c->m_base + "/v2/";
        r = http.fetch(ping, 65536);
        if (!r) return wrap(r.error(), "registry " + host);
    }
    if (r->status == 401) {
        STRATA_TRY(c->authenticate(http, *r));
    } else if (!ok(r->status)) {
        return error(c->error_text(ping.url, *r) + " (not an OCI distribution registry?)");
    }
    return c;
}

Result<> Client::authenticate(Http& http, const Response& unauthorized) {
    std::string header = unauthorized.header("www-authenticate");
    if (header.empty()) return error("registry " + m_host + " answered 401 without a WWW-Authenticate challenge");
    Challenge ch = STRATA_TRY(with_context(parse_challenge(header), "registry " + m_host));
    bool have_creds = !m_opts.username.empty();
    std::string basic = "Authorization: Basic " + base64(m_opts.username + ":" + m_opts.password);
    if (ch.scheme == "basic") {
        if (!have_creds) return error("registry " + m_host + " requires a login (--creds USER:PASSWORD)");
        std::lock_guard l(m_mu);
        m_authorization = basic;
        return {};
    }
    if (ch.scheme != "bearer") return error("registry " + m_host + ": unsupported authentication scheme " + quote(ch.scheme));
    if (ch.param("realm").empty()) return error("registry " + m_host + ": bearer challenge without a realm");
    std::string url = token_url(ch, "repository:" + m_repo + ":pull");
    Request req{url, {}, m_opts.tls_verify};
    if (have_creds) req.headers.push_back(basic);
    Response r = STRATA_TRY(http.fetch(req, 1 << 20));
    if (r.status == 401 || r.status == 403)
        return error("registry " + m_host + ": the token endpoint refused " +
                     (have_creds ? "the credentials" : "an anonymous pull (--creds USER:PASSWORD)") + " (HTTP " +
                     std::to_string(r.status) + ")");
    if (!ok(r.status)) return error(error_text(url, r));
    std::string token = STRATA_TRY(with_context(parse_token_response(r.body), "registry " + m_host));
    std::lock_guard l(m_mu);
    m_authorization = "Authorization: Bearer " + token;
    return {};
}

Result<Response> Client::get(Http& http, const std::string& url, std::vector<std::string> headers,
                             const std::function<bool(const char*, size_t)>* sink, size_t max) {
    for (int attempt = 0;; ++attempt) {
        Request req{url, headers, m_opts.tls_verify};
        {
            std::lock_guard l(m_mu);
            if (!m_authorization.empty()) req.headers.push_back(m_authorization);
        }
        Response r = STRATA_TRY(sink ? http.stream(req, *sink) : http.fetch(req, max));
        // A token can expire during a long pull, or cover a narrower scope: renew it once.
        if (r.status == 401 && attempt == 0) {
            STRATA_TRY(authenticate(http, r));
            continue;
        }
        if (!ok(r.status)) {
            if (r.status == 401) return error(error_text(url, r) + " (the credentials are not accepted)");
            return error(error_text(url, r));
        }
        return r;
    }
}

Result<Client::Document> Client::manifest(Http& http, const std::string& reference) {
    std::string url = m_base + "/v2/" + m_repo + "/manifests/" + reference;
    std::vector<std::string> accept = {
        "Accept: " + std::string(media::oci_index) + ", " + std::string(media::oci_manifest) + ", " +
        std::string(media::docker_list) + ", " + std::string(media::docker_manifest)};
    Response r = STRATA_TRY(get(http, url, accept, nullptr, kMaxDocumentSize));
    Document d;
    d.body = std::move(r.body);
    d.digest = STRATA_TRY(sha256_of(d.body));
    if (valid_digest(reference) && d.digest != reference)
        return error("manifest " + reference + " from " + m_host + ": content does not match its digest (it hashes to " + d.digest + ")");
    std::string claimed = r.header("docker-content-digest");
    if (!claimed.empty() && claimed != d.digest)
        return error("manifest " + reference + " from " + m_host + ": hashes to " + d.digest + ", the registry says " + claimed);
    auto j = nlohmann::json::parse(d.body, nullptr, false);
    d.media_type = document_type(j, r.header("content-type"));
    return d;
}

Result<std::string> Client::blob(Http& http, const std::string& digest, size_t max) {
    std::string url = m_base + "/v2/" + m_repo + "/blobs/" + digest;
    Response r = STRATA_TRY(get(http, url, {}, nullptr, max));
    std::string actual = STRATA_TRY(sha256_of(r.body));
    if (actual != digest) return error("blob " + digest + " from " + m_host + ": content does not match its digest (it hashes to " + actual + ")");
    return std::move(r.body);
}

Result<> Client::blob_stream(Http& http, const std::string& digest, const std::function<bool(const char*, size_t)>& sink) {
    std::string url = m_base + "/v2/" + m_repo + "/blobs/" + digest;
    STRATA_TRY(get(http, url, {}, &sink, 0));
    return {};
}

}  // namespace strata::image::registry
