#pragma once
// A listening console socket like conmon's or containerd's, for tests of process.terminal.

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "tests/support/cli.h"

namespace strata::test {

// A listening console socket like conmon's or containerd's: receives one pty master.
class ConsoleSocket {
public:
    explicit ConsoleSocket(const std::string& path) : m_path(path) {
        m_listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
        bind(m_listener, reinterpret_cast<sockaddr*>(&a), sizeof a);
        listen(m_listener, 1);
    }
    ~ConsoleSocket() {
        close(m_listener);
        if (m_master >= 0) close(m_master);
    }
    // Accepts the runtime's connection and takes the fd it sends; returns the slave's name.
    std::string receive(int timeout_ms = 10000) {
        pollfd p{m_listener, POLLIN, 0};
        if (poll(&p, 1, timeout_ms) != 1) return "";
        int c = accept4(m_listener, nullptr, nullptr, SOCK_CLOEXEC);
        char name[256] = {};
        iovec iov{name, sizeof name - 1};
        alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int))];
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = cbuf;
        msg.msg_controllen = sizeof cbuf;
        if (recvmsg(c, &msg, 0) > 0) {
            cmsghdr* h = CMSG_FIRSTHDR(&msg);
            if (h && h->cmsg_type == SCM_RIGHTS) memcpy(&m_master, CMSG_DATA(h), sizeof(int));
        }
        close(c);
        return name;
    }
    int master() const { return m_master; }
    // Everything the master yields until `until` appears or the timeout passes.
    std::string read_until(const std::string& until, int timeout_ms = 10000) {
        std::string out;
        test::read_until(m_master, out, until, std::chrono::milliseconds(timeout_ms));
        return out;
    }

private:
    std::string m_path;
    int m_listener = -1;
    int m_master = -1;
};

}  // namespace strata::test
