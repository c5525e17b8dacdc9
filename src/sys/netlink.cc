#include "sys/netlink.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "base/strings.h"
#include "base/unique_fd.h"

namespace strata::sys {
namespace {

// Appends one attribute to a netlink message in `buf` whose header is at its start.
void add_attr(char* buf, unsigned short type, const void* data, size_t len) {
    auto* h = reinterpret_cast<nlmsghdr*>(buf);
    auto* a = reinterpret_cast<rtattr*>(buf + NLMSG_ALIGN(h->nlmsg_len));
    a->rta_type = type;
    a->rta_len = static_cast<unsigned short>(RTA_LENGTH(len));
    std::memcpy(RTA_DATA(a), data, len);
    h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(a->rta_len);
}

}  // namespace

Result<> move_link_to_netns(const std::string& name, int netns_fd, const std::string& new_name) {
    const std::string what = "move network device " + quote(name);
    unsigned index = ::if_nametoindex(name.c_str());
    if (index == 0) return os_error(errno, what + ": find it");
    int s = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (s < 0) return os_error(errno, what + ": netlink socket");
    UniqueFd sock(s);

    alignas(nlmsghdr) char buf[512] = {};
    auto* h = reinterpret_cast<nlmsghdr*>(buf);
    h->nlmsg_len = NLMSG_LENGTH(sizeof(ifinfomsg));
    h->nlmsg_type = RTM_NEWLINK;
    h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    h->nlmsg_seq = 1;
    auto* ifi = reinterpret_cast<ifinfomsg*>(NLMSG_DATA(h));
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = static_cast<int>(index);
    const uint32_t fd = static_cast<uint32_t>(netns_fd);
    add_attr(buf, IFLA_NET_NS_FD, &fd, sizeof fd);
    if (new_name != name) add_attr(buf, IFLA_IFNAME, new_name.c_str(), new_name.size() + 1);

    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    if (::sendto(s, buf, h->nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0)
        return os_error(errno, what + ": netlink send");
    alignas(nlmsghdr) char reply[1024];
    ssize_t n = ::recv(s, reply, sizeof reply, 0);
    if (n < 0) return os_error(errno, what + ": netlink reply");
    auto* r = reinterpret_cast<nlmsghdr*>(reply);
    if (n < static_cast<ssize_t>(sizeof(nlmsghdr)) || !NLMSG_OK(r, static_cast<unsigned>(n)) || r->nlmsg_type != NLMSG_ERROR)
        return os_error(EPROTO, what + ": unexpected netlink reply");
    int err = -reinterpret_cast<nlmsgerr*>(NLMSG_DATA(r))->error;
    if (err != 0) return os_error(err, what + (new_name != name ? " as " + quote(new_name) : "") + " into the container");
    return {};
}

}  // namespace strata::sys
