#include "tests/image/registry.h"

#include <arpa/inet.h>
#include <crypt.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>

#include "base/strings.h"

extern char** environ;

namespace strata::test {
namespace {

using json = nlohmann::json;

int free_port() {
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
    close(s);
    return ntohs(a.sin_port);
}

bool port_open(int port) {
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(port));
    bool ok = connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    close(s);
    return ok;
}

std::string b64(const std::string& in, bool url) {
    std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
    out.resize(static_cast<size_t>(n));
    if (url) {
        while (!out.empty() && out.back() == '=') out.pop_back();
        for (auto& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
    }
    return out;
}

std::string url_decode(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += s[i] == '+' ? ' ' : s[i];
        }
    }
    return out;
}

std::string bcrypt(const std::string& password) {
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    if (!crypt_gensalt_rn("$2b$", 5, nullptr, 0, salt, sizeof salt)) return "";
    crypt_data data{};
    const char* h = crypt_rn(password.c_str(), salt, &data, sizeof data);
    return h ? h : "";
}

// RS256 over `input` with the PEM key in `key_path`.
std::string sign_rs256(const std::string& key_path, const std::string& input) {
    FILE* f = fopen(key_path.c_str(), "r");
    if (!f) return "";
    EVP_PKEY* key = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
    fclose(f);
    if (!key) return "";
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    size_t len = 0;
    std::string sig;
    if (EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
        EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1) {
        sig.resize(len);
        EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                       reinterpret_cast<const unsigned char*>(input.data()), input.size());
        sig.resize(len);
    }
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
    return sig;
}

std::string cert_der(const std::string& cert_path) {
    FILE* f = fopen(cert_path.c_str(), "r");
    if (!f) return "";
    X509* x = PEM_read_X509(f, nullptr, nullptr, nullptr);
    fclose(f);
    if (!x) return "";
    unsigned char* der = nullptr;
    int n = i2d_X509(x, &der);
    std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(n));
    OPENSSL_free(der);
    X509_free(x);
    return out;
}

bool make_cert(const std::string& dir, const std::string& name, std::string* why) {
    auto r = run_cmd({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", dir + "/" + name + ".key",
                      "-out", dir + "/" + name + ".crt", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
                      "subjectAltName=IP:127.0.0.1"});
    if (r.status != 0) *why = "openssl req: " + r.err;
    return r.status == 0;
}

}  // namespace

std::unique_ptr<LocalRegistry> LocalRegistry::start(const Options& o, std::string* why) {
    if (access("/usr/bin/docker-registry", X_OK) != 0) {
        *why = "docker-registry is not installed (apt-get install docker-registry)";
        return nullptr;
    }
    if (access("/usr/bin/skopeo", X_OK) != 0) {
        *why = "skopeo is not installed";
        return nullptr;
    }
    std::unique_ptr<LocalRegistry> r(new LocalRegistry());
    r->m_opts = o;
    const std::string& d = r->m_dir.path();
    r->m_port = free_port();
    std::string cfg = "version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: " +
                      d + "/data\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:" + std::to_string(r->m_port) + "\n";
    if (o.tls) {
        if (!make_cert(d, "tls", why)) return nullptr;
        cfg += "  tls:\n    certificate: " + d + "/tls.crt\n    key: " + d + "/tls.key\n";
    }
    if (o.auth == Auth::basic) {
        std::string hash = bcrypt(o.password);
        if (hash.empty()) {
            *why = "bcrypt (libcrypt) failed";
            return nullptr;
        }
        write_text(d + "/htpasswd", o.user + ":" + hash + "\n");
        cfg += "auth:\n  htpasswd:\n    realm: strata-test\n    path: " + d + "/htpasswd\n";
    } else if (o.auth == Auth::token) {
        if (!make_cert(d, "token", why) || !r->start_token_server(why)) return nullptr;
        cfg += "auth:\n  token:\n    realm: http://127.0.0.1:" + std::to_string(r->m_token_port) +
               "/token\n    service: strata-test\n    issuer: strata-test-issuer\n    rootcertbundle: " + d + "/token.crt\n";
    }
    write_text(d + "/config.yml", cfg);

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, (d + "/registry.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    std::string cfg_path = d + "/config.yml";
    const char* argv[] = {"/usr/bin/docker-registry", "serve", cfg_path.c_str(), nullptr};
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &fa, nullptr, const_cast<char**>(argv), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        *why = "spawn docker-registry failed";
        return nullptr;
    }
    r->m_pid = pid;
    for (int i = 0; i < 500 && !port_open(r->m_port); ++i) usleep(20000);
    if (!port_open(r->m_port)) {
        *why = "docker-registry did not start: " + r->log();
        return nullptr;
    }
    return r;
}

LocalRegistry::~LocalRegistry() {
    if (m_pid > 0) {
        kill(m_pid, SIGTERM);
        int st;
        waitpid(m_pid, &st, 0);
    }
    m_stop = true;
    if (m_token_thread.joinable()) m_token_thread.join();
    if (m_token_fd >= 0) close(m_token_fd);
}

CmdResult LocalRegistry::push(const std::string& layout, const std::string& ref, const std::string& dest, bool all) const {
    std::vector<std::string> argv = {"skopeo", "copy", "--quiet", "--dest-tls-verify=false"};
    if (all) argv.push_back("--all");
    if (m_opts.auth != Auth::none) argv.push_back("--dest-creds=" + m_opts.user + ":" + m_opts.password);
    argv.push_back("oci:" + layout + ":" + ref);
    argv.push_back("docker://" + host() + "/" + dest);
    return run_cmd(argv, "", std::chrono::seconds(120));
}

bool LocalRegistry::start_token_server(std::string* why) {
    m_token_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(m_token_fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0 || listen(m_token_fd, 16) < 0) {
        *why = "token server: bind/listen failed";
        return false;
    }
    socklen_t len = sizeof a;
    getsockname(m_token_fd, reinterpret_cast<sockaddr*>(&a), &len);
    m_token_port = ntohs(a.sin_port);
    m_token_thread = std::thread([this] { serve_tokens(); });
    return true;
}

void LocalRegistry::serve_tokens() {
    while (!m_stop) {
        pollfd p{m_token_fd, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0) continue;
        int c = accept4(m_token_fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0) continue;
        std::string req;
        char buf[4096];
        while (req.find("\r\n\r\n") == std::string::npos) {
            ssize_t n = read(c, buf, sizeof buf);
            if (n <= 0) break;
            req.append(buf, static_cast<size_t>(n));
        }
        ++m_token_requests;
        std::string resp = answer_token(req);
        (void)!write(c, resp.data(), resp.size());
        close(c);
    }
}

// GET /token?service=S&scope=repository:NAME:ACTIONS... with Basic credentials: a JWT granting
// the requested actions when the credentials are right; 401 otherwise (no anonymous access).
std::string LocalRegistry::answer_token(const std::string& req) {
    auto reply = [](int code, const std::string& body) {
        return "HTTP/1.1 " + std::to_string(code) + (code == 200 ? " OK" : " Unauthorized") +
               "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\n\r\n" + body;
    };
    std::string expected = "Basic " + b64(m_opts.user + ":" + m_opts.password, false);
    bool authorized = false;
    size_t pos = 0;
    while ((pos = req.find("\r\n", pos)) != std::string::npos) {
        pos += 2;
        std::string line = req.substr(pos, req.find("\r\n", pos) - pos);
        if (strncasecmp(line.c_str(), "authorization:", 14) == 0) {
            std::string v = line.substr(14);
            while (!v.empty() && v.front() == ' ') v.erase(0, 1);
            authorized = v == expected;
        }
    }
    if (!authorized) return reply(401, R"({"details":"bad or missing credentials"})");
    std::string target = req.substr(req.find(' ') + 1);
    target = target.substr(0, target.find(' '));
    json access = json::array();
    std::string query = target.find('?') == std::string::npos ? "" : target.substr(target.find('?') + 1);
    for (const auto& kv : split(query, '&')) {
        if (!kv.starts_with("scope=")) continue;
        auto parts = split(url_decode(kv.substr(6)), ':');  // repository:NAME:pull,push
        if (parts.size() != 3) continue;
        access.push_back({{"type", parts[0]}, {"name", parts[1]}, {"actions", split(parts[2], ',')}});
    }
    long now = static_cast<long>(time(nullptr));
    json header = {{"typ", "JWT"}, {"alg", "RS256"}, {"x5c", {b64(cert_der(m_dir.path() + "/token.crt"), false)}}};
    json claims = {{"iss", "strata-test-issuer"}, {"sub", m_opts.user}, {"aud", "strata-test"},
                   {"exp", now + 300},          {"nbf", now - 10},     {"iat", now},
                   {"jti", std::to_string(now) + "-" + std::to_string(m_token_requests.load())},
                   {"access", access}};
    std::string input = b64(header.dump(), true) + "." + b64(claims.dump(), true);
    std::string jwt = input + "." + b64(sign_rs256(m_dir.path() + "/token.key", input), true);
    return reply(200, json{{"token", jwt}, {"access_token", jwt}, {"expires_in", 300}}.dump());
}

}  // namespace strata::test
