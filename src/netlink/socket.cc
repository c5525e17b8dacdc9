#include "netlink/socket.h"

#include <sys/socket.h>

#include <string>

namespace strata::netlink {
namespace {

// Reads replies to `seq` until `done` says so. An NLMSG_ERROR with a non-zero code fails with
// that errno; with code 0 it is the ack.
Result<> receive(int fd, uint32_t seq, std::string_view what,
                 const std::function<Result<bool>(const nlmsghdr& h, std::string_view payload)>& on_message) {
    std::string buf(32768, '\0');
    for (;;) {
        ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            return os_error(errno, "netlink: receive the reply to " + std::string(what));
        }
        std::string_view rest(buf.data(), static_cast<size_t>(n));
        while (rest.size() >= sizeof(nlmsghdr)) {
            nlmsghdr h;
            std::memcpy(&h, rest.data(), sizeof h);
            if (h.nlmsg_len < sizeof h || h.nlmsg_len > rest.size()) return error("netlink: a malformed reply to " + std::string(what));
            std::string_view payload = rest.substr(NLMSG_HDRLEN, h.nlmsg_len - NLMSG_HDRLEN);
            rest.remove_prefix(std::min<size_t>(NLMSG_ALIGN(h.nlmsg_len), rest.size()));
            if (h.nlmsg_seq != seq) continue;  // a late reply to an earlier request
            if (h.nlmsg_type == NLMSG_ERROR) {
                nlmsgerr e{};
                if (payload.size() < sizeof e.error) return error("netlink: a short error reply to " + std::string(what));
                std::memcpy(&e.error, payload.data(), sizeof e.error);
                if (e.error != 0) return os_error(-e.error, std::string(what));
                return {};  // the ack
            }
            if (h.nlmsg_type == NLMSG_DONE) return {};
            if (STRATA_TRY(on_message(h, payload))) return {};
        }
    }
}

}  // namespace

Result<Socket> Socket::open() {
    int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) return os_error(errno, "open a NETLINK_ROUTE socket");
    UniqueFd owned(fd);
    sockaddr_nl sa{};
    sa.nl_family = AF_NETLINK;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0) return os_error(errno, "bind a NETLINK_ROUTE socket");
    return Socket(std::move(owned));
}

Result<> Socket::send(Message& m, std::string_view what) {
    m.set_seq(++m_seq);
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    const std::string& b = m.bytes();
    ssize_t n = ::sendto(m_fd.get(), b.data(), b.size(), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel);
    if (n < 0) return os_error(errno, "netlink: send " + std::string(what));
    return {};
}

Result<> Socket::request(Message& m, std::string_view what) {
    STRATA_TRY(send(m, what));
    return receive(m_fd.get(), m_seq, what, [](const nlmsghdr&, std::string_view) -> Result<bool> { return false; });
}

Result<> Socket::dump(Message& m, std::string_view what,
                      const std::function<Result<>(uint16_t type, std::string_view payload)>& each) {
    STRATA_TRY(send(m, what));
    return receive(m_fd.get(), m_seq, what, [&](const nlmsghdr& h, std::string_view payload) -> Result<bool> {
        STRATA_TRY(each(h.nlmsg_type, payload));
        return false;
    });
}

}  // namespace strata::netlink
