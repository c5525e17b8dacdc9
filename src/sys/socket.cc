#include "sys/socket.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "base/strings.h"
#include "sys/file.h"

namespace strata::sys {

namespace {

Result<SocketPair> unix_pair(int type) {
    int fds[2];
    if (::socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, fds) < 0) return os_error(errno, "socketpair");
    return SocketPair{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

}  // namespace

Result<SocketPair> socketpair_seqpacket() { return unix_pair(SOCK_SEQPACKET); }
Result<SocketPair> socketpair_stream() { return unix_pair(SOCK_STREAM); }

// Up to this many fds per message: a cgroup v1 host has ~12 hierarchies whose `tasks` files
// travel in one message (the kernel's own limit, SCM_MAX_FD, is 253).
constexpr size_t kMaxFds = kMaxMessageFds;

Result<> send_msg(int sock, std::string_view data, std::span<const int> fds) {
    iovec iov{const_cast<char*>(data.data()), data.size()};
    char dummy = 0;
    if (data.empty()) iov = {&dummy, 1};  // SOCK_STREAM cannot carry fds without a byte
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int) * kMaxFds)];
    if (!fds.empty()) {
        if (fds.size() > kMaxFds) return os_error(EINVAL, "send " + std::to_string(fds.size()) + " fds in one message (at most " + std::to_string(kMaxFds) + ")");
        size_t len = sizeof(int) * fds.size();
        msg.msg_control = cbuf;
        msg.msg_controllen = CMSG_SPACE(len);
        cmsghdr* c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(len);
        std::memcpy(CMSG_DATA(c), fds.data(), len);
    }
    for (;;) {
        ssize_t n = ::sendmsg(sock, &msg, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return os_error(errno, "send message");
        // A stream socket may take part of the bytes (the fds went with them): the rest follows.
        // (A SOCK_SEQPACKET send is all or nothing.)
        if (static_cast<size_t>(n) < data.size()) return write_all(sock, data.substr(static_cast<size_t>(n)), "the rest of a message");
        return {};
    }
}

Result<Message> recv_msg(int sock, size_t max) {
    Message m;
    m.data.resize(max);
    iovec iov{m.data.data(), max};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int) * kMaxFds)];
    msg.msg_control = cbuf;
    msg.msg_controllen = sizeof cbuf;
    ssize_t n;
    do {
        n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return os_error(errno, "receive message");
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; ++i) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            m.fds.emplace_back(fd);
        }
    }
    if (msg.msg_flags & MSG_CTRUNC) return os_error(EMSGSIZE, "receive message: more fds than " + std::to_string(kMaxFds));
    m.data.resize(static_cast<size_t>(n));
    m.eof = (n == 0 && m.fds.empty());
    return m;
}

namespace {

Result<sockaddr_un> address_at(int dirfd, const std::string& name) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::string path = dirfd >= 0 ? "/proc/self/fd/" + std::to_string(dirfd) + "/" + name : name;
    if (path.size() >= sizeof addr.sun_path) return os_error(ENAMETOOLONG, "socket path " + quote(path));
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    return addr;
}

}  // namespace

Result<UniqueFd> listen_at(int dirfd, const std::string& name, int type) {
    sockaddr_un addr = STRATA_TRY(address_at(dirfd, name));
    int fd = ::socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
    if (fd < 0) return os_error(errno, "socket");
    UniqueFd s(fd);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
        return os_error(errno, "bind socket " + quote(name));
    if (::listen(fd, 4) < 0) return os_error(errno, "listen on " + quote(name));
    return s;
}

Result<UniqueFd> connect_at(int dirfd, const std::string& name, int type) {
    sockaddr_un addr = STRATA_TRY(address_at(dirfd, name));
    int fd = ::socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
    if (fd < 0) return os_error(errno, "socket");
    UniqueFd s(fd);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
        return os_error(errno, "connect to " + quote(name));
    return s;
}

Result<UniqueFd> connect_path(const std::string& path, int type) {
    return connect_at(-1, path, type);
}

Result<UniqueFd> accept(int listener) {
    for (;;) {
        int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd >= 0) return UniqueFd(fd);
        if (errno != EINTR) return os_error(errno, "accept");
    }
}

}  // namespace strata::sys
