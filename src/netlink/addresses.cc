#include "netlink/addresses.h"

#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

namespace strata::netlink {

std::string address_text(uint8_t family, const std::string& bytes) {
    char buf[INET6_ADDRSTRLEN] = "?";
    if ((family == AF_INET && bytes.size() == 4) || (family == AF_INET6 && bytes.size() == 16))
        ::inet_ntop(family, bytes.data(), buf, sizeof buf);
    return buf;
}

Result<std::vector<Address>> list_addresses(Socket& s, int ifindex) {
    Message m(RTM_GETADDR, NLM_F_DUMP);
    ifaddrmsg ifa{};
    ifa.ifa_family = AF_UNSPEC;
    m.header(ifa);
    std::vector<Address> out;
    STRATA_TRY(s.dump(m, "list the IP addresses", [&](uint16_t type, std::string_view p) -> Result<> {
        if (type != RTM_NEWADDR || p.size() < sizeof(ifaddrmsg)) return {};
        ifaddrmsg h;
        std::memcpy(&h, p.data(), sizeof h);
        if (static_cast<int>(h.ifa_index) != ifindex) return {};
        auto attrs = parse_attrs(p.substr(NLMSG_ALIGN(sizeof h)));
        // IFA_LOCAL is the interface's own address on point-to-point links; IFA_ADDRESS otherwise.
        const Attr* a = find_attr(attrs, IFA_LOCAL);
        if (!a) a = find_attr(attrs, IFA_ADDRESS);
        if (!a) return {};
        out.push_back({h.ifa_family, h.ifa_prefixlen, h.ifa_scope, ifindex, std::string(a->data)});
        return {};
    }));
    return out;
}

Result<> add_address(Socket& s, const Address& a) {
    Message m(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
    ifaddrmsg ifa{};
    ifa.ifa_family = a.family;
    ifa.ifa_prefixlen = a.prefix;
    ifa.ifa_scope = a.scope;
    ifa.ifa_index = static_cast<uint32_t>(a.ifindex);
    m.header(ifa);
    m.attr(IFA_LOCAL, a.bytes.data(), a.bytes.size());
    m.attr(IFA_ADDRESS, a.bytes.data(), a.bytes.size());
    return s.request(m, "add address " + address_text(a.family, a.bytes) + "/" + std::to_string(a.prefix));
}

}  // namespace strata::netlink
