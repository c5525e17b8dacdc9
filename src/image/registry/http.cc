#include "image/registry/http.h"

#include "base/strings.h"
#include "image/dl/curl_api.h"

namespace strata::image::registry {
namespace {

struct Transfer {
    const std::function<bool(const char*, size_t)>* sink;
    Response* resp;
    bool aborted = false;
};

size_t on_body(char* data, size_t size, size_t n, void* p) {
    auto* t = static_cast<Transfer*>(p);
    // An error's body (a 401's, a 404's) is the registry's explanation, not content: it is kept
    // for the message and never reaches the sink.
    if (t->resp->status < 200 || t->resp->status > 299) {
        if (t->resp->body.size() < 65536) t->resp->body.append(data, std::min<size_t>(size * n, 65536));
        return size * n;
    }
    if (!(*t->sink)(data, size * n)) {
        t->aborted = true;
        return 0;  // makes curl fail the transfer with CURLE_WRITE_ERROR
    }
    return size * n;
}

size_t on_header(char* data, size_t size, size_t n, void* p) {
    auto* t = static_cast<Transfer*>(p);
    std::string_view line(data, size * n);
    // Each response of a redirect chain starts with its status line: only the last one counts.
    if (line.starts_with("HTTP/")) {
        t->resp->headers.clear();
        size_t sp = line.find(' ');
        if (sp != std::string_view::npos)
            t->resp->status = parse_int(line.substr(sp + 1, 3)).value_or(0);
        return size * n;
    }
    size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
        std::string name(trim(line.substr(0, colon)));
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        t->resp->headers[name] = std::string(trim(line.substr(colon + 1)));
    }
    return size * n;
}

}  // namespace

std::string Response::header(std::string_view name) const {
    auto it = headers.find(std::string(name));
    return it == headers.end() ? "" : it->second;
}

Result<Http> Http::create() {
    const dl::CurlApi* api = STRATA_TRY(dl::curl_api());
    Http h;
    h.m_curl = api->easy_init();
    if (!h.m_curl) return error("curl_easy_init failed");
    return h;
}

Http::Http(Http&& o) noexcept : m_curl(std::exchange(o.m_curl, nullptr)), m_failure(o.m_failure) {}

Http::~Http() {
    if (m_curl) (*dl::curl_api())->easy_cleanup(m_curl);
}

Result<Response> Http::perform(const Request& req, const std::function<bool(const char*, size_t)>& sink) {
    const dl::CurlApi& c = **dl::curl_api();
    CURL* h = m_curl;
    Response resp;
    Transfer t{&sink, &resp};
    curl_slist* headers = nullptr;
    for (const auto& hd : req.headers) headers = c.slist_append(headers, hd.c_str());
    // Integers go through the variadic setopt as long, as libcurl reads them.
    c.easy_setopt(h, CURLOPT_URL, req.url.c_str());
    c.easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    c.easy_setopt(h, CURLOPT_NOBODY, req.head ? 1L : 0L);
    c.easy_setopt(h, CURLOPT_HTTPGET, req.head ? 0L : 1L);
    c.easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    c.easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
    // Registries redirect blob downloads to storage on other hosts: http(s) only, and libcurl
    // sends our Authorization header to the first host only.
    c.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    c.easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    c.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM for DNS timeouts
    c.easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
    // A stalled transfer (under 1 byte/s for a minute) fails instead of hanging the pull.
    c.easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    c.easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
    c.easy_setopt(h, CURLOPT_USERAGENT, "strata/0.1");
    c.easy_setopt(h, CURLOPT_SSL_VERIFYPEER, req.tls_verify ? 1L : 0L);
    c.easy_setopt(h, CURLOPT_SSL_VERIFYHOST, req.tls_verify ? 2L : 0L);
    c.easy_setopt(h, CURLOPT_WRITEFUNCTION, &on_body);
    c.easy_setopt(h, CURLOPT_WRITEDATA, &t);
    c.easy_setopt(h, CURLOPT_HEADERFUNCTION, &on_header);
    c.easy_setopt(h, CURLOPT_HEADERDATA, &t);
    CURLcode rc = c.easy_perform(h);
    c.easy_setopt(h, CURLOPT_HTTPHEADER, static_cast<curl_slist*>(nullptr));
    c.slist_free_all(headers);
    m_failure = Failure::none;
    if (rc != CURLE_OK) {
        if (t.aborted) return error("GET " + req.url + ": transfer aborted");
        m_failure = rc == CURLE_PEER_FAILED_VERIFICATION ? Failure::certificate
                    : rc == CURLE_SSL_CONNECT_ERROR      ? Failure::tls
                                                         : Failure::other;
        return error((req.head ? "HEAD " : "GET ") + req.url + ": " + c.easy_strerror(rc));
    }
    c.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp.status);
    return resp;
}

Result<Response> Http::fetch(const Request& req, size_t max) {
    std::string body;
    bool too_big = false;
    auto r = perform(req, [&](const char* d, size_t n) {
        if (body.size() + n > max) {
            too_big = true;
            return false;
        }
        body.append(d, n);
        return true;
    });
    if (too_big) return error("GET " + req.url + ": response larger than " + std::to_string(max) + " bytes");
    if (!r) return r;
    if (r->status >= 200 && r->status <= 299) r->body = std::move(body);
    return r;
}

Result<Response> Http::stream(const Request& req, const std::function<bool(const char*, size_t)>& sink) {
    return perform(req, sink);
}

std::string base64(std::string_view in) {
    static constexpr char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                     static_cast<unsigned char>(in[i + 2]);
        out += tbl[v >> 18];
        out += tbl[(v >> 12) & 63];
        out += tbl[(v >> 6) & 63];
        out += tbl[v & 63];
    }
    if (i < in.size()) {
        unsigned v = static_cast<unsigned char>(in[i]) << 16;
        if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
        out += tbl[v >> 18];
        out += tbl[(v >> 12) & 63];
        out += i + 1 < in.size() ? tbl[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::string url_escape(std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

}  // namespace strata::image::registry
