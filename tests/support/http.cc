#include "tests/support/http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

namespace strata::test {

std::string http_get(const std::string& ip, int port, std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<uint16_t>(port));
        inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
        timeval tv{5, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        std::string got;
        if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
            std::string req = "GET / HTTP/1.0\r\n\r\n";
            if (write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
                char buf[512];
                ssize_t n;
                while ((n = read(fd, buf, sizeof buf)) > 0) got.append(buf, static_cast<size_t>(n));
            }
        }
        close(fd);
        if (auto body = got.find("\r\n\r\n"); body != std::string::npos) return got.substr(body + 4);
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
    return "";
}

}  // namespace strata::test
