#pragma once
// A real registry for pull tests: Debian's docker-registry on 127.0.0.1 (a free port, its own
// config and storage in a temp dir), with no auth, htpasswd (Basic) auth, or token (Bearer)
// auth backed by a token endpoint this process serves and signs (RS256 JWTs whose x5c names a
// certificate the registry trusts), optionally over TLS with a self-signed certificate.
// Images go in with skopeo from an OCI layout.

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "tests/support/bundle.h"
#include "tests/support/cli.h"

namespace strata::test {

class LocalRegistry {
public:
    enum class Auth { none, basic, token };
    struct Options {
        Auth auth = Auth::none;
        bool tls = false;
        std::string user = "strata", password = "s3cret";
    };
    // Null, with `why` set, if the registry cannot be started here.
    static std::unique_ptr<LocalRegistry> start(const Options& o, std::string* why);
    ~LocalRegistry();

    std::string host() const { return "127.0.0.1:" + std::to_string(m_port); }
    // skopeo copy [--all] oci:<layout>:<ref> docker://<host>/<dest>
    CmdResult push(const std::string& layout, const std::string& ref, const std::string& dest, bool all = false) const;
    // Token requests answered so far (granted or refused).
    int token_requests() const { return m_token_requests; }
    std::string log() const { return read_text(m_dir.path() + "/registry.log"); }
    const Options& options() const { return m_opts; }

private:
    LocalRegistry() = default;
    bool start_token_server(std::string* why);
    void serve_tokens();
    std::string answer_token(const std::string& request);

    Options m_opts;
    TempDir m_dir{"strata-registry"};
    int m_port = 0;
    int m_pid = -1;
    int m_token_fd = -1;
    int m_token_port = 0;
    std::atomic<bool> m_stop{false};
    std::atomic<int> m_token_requests{0};
    std::thread m_token_thread;
};

}  // namespace strata::test
