#include "netlink/links.h"

#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

namespace strata::netlink {

std::string mac_text(const Mac& m) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string s;
    for (size_t i = 0; i < m.size(); ++i) {
        if (i) s += ':';
        s += hex[m[i] >> 4];
        s += hex[m[i] & 15];
    }
    return s;
}

Result<std::vector<Link>> list_links(Socket& s) {
    Message m(RTM_GETLINK, NLM_F_DUMP);
    ifinfomsg ifi{};
    ifi.ifi_family = AF_UNSPEC;
    m.header(ifi);
    std::vector<Link> out;
    STRATA_TRY(s.dump(m, "list the network interfaces", [&](uint16_t type, std::string_view p) -> Result<> {
        if (type != RTM_NEWLINK || p.size() < sizeof(ifinfomsg)) return {};
        ifinfomsg h;
        std::memcpy(&h, p.data(), sizeof h);
        Link l;
        l.index = h.ifi_index;
        l.arp_type = h.ifi_type;
        l.flags = h.ifi_flags;
        auto attrs = parse_attrs(p.substr(NLMSG_ALIGN(sizeof h)));
        if (auto* a = find_attr(attrs, IFLA_IFNAME)) l.name = a->str();
        if (auto* a = find_attr(attrs, IFLA_MTU)) l.mtu = a->u32().value_or(0);
        if (auto* a = find_attr(attrs, IFLA_ADDRESS); a && a->data.size() == 6) {
            Mac mac;
            std::memcpy(mac.data(), a->data.data(), 6);
            l.mac = mac;
        }
        if (auto* a = find_attr(attrs, IFLA_LINKINFO)) {
            auto info = parse_attrs(a->data);
            if (auto* k = find_attr(info, IFLA_INFO_KIND)) l.kind = k->str();
        }
        out.push_back(std::move(l));
        return {};
    }));
    return out;
}

Result<> change_link(Socket& s, int index, const LinkChange& c) {
    Message m(RTM_NEWLINK, 0);
    ifinfomsg ifi{};
    ifi.ifi_family = AF_UNSPEC;
    ifi.ifi_index = index;
    if (c.up) {
        ifi.ifi_change = IFF_UP;
        ifi.ifi_flags = *c.up ? IFF_UP : 0;
    }
    m.header(ifi);
    if (c.name) m.attr_str(IFLA_IFNAME, *c.name);
    if (c.mac) m.attr(IFLA_ADDRESS, c.mac->data(), c.mac->size());
    if (c.mtu) m.attr_u32(IFLA_MTU, *c.mtu);
    return s.request(m, "change network interface " + std::to_string(index));
}

}  // namespace strata::netlink
