#include "netlink/routes.h"

#include <linux/rtnetlink.h>

#include "netlink/addresses.h"

namespace strata::netlink {

Result<std::vector<Route>> list_routes(Socket& s, uint8_t family) {
    Message m(RTM_GETROUTE, NLM_F_DUMP);
    rtmsg rt{};
    rt.rtm_family = family;
    m.header(rt);
    std::vector<Route> out;
    STRATA_TRY(s.dump(m, "list the routes", [&](uint16_t type, std::string_view p) -> Result<> {
        if (type != RTM_NEWROUTE || p.size() < sizeof(rtmsg)) return {};
        rtmsg h;
        std::memcpy(&h, p.data(), sizeof h);
        auto attrs = parse_attrs(p.substr(NLMSG_ALIGN(sizeof h)));
        uint32_t table = h.rtm_table;
        if (auto* a = find_attr(attrs, RTA_TABLE)) table = a->u32().value_or(table);
        if (table != RT_TABLE_MAIN || h.rtm_family != family) return {};
        Route r;
        r.family = h.rtm_family;
        r.dst_len = h.rtm_dst_len;
        r.protocol = h.rtm_protocol;
        r.scope = h.rtm_scope;
        r.type = h.rtm_type;
        if (auto* a = find_attr(attrs, RTA_OIF)) r.ifindex = static_cast<int>(a->u32().value_or(0));
        if (auto* a = find_attr(attrs, RTA_PRIORITY)) r.priority = a->u32().value_or(0);
        if (auto* a = find_attr(attrs, RTA_DST)) r.dst = std::string(a->data);
        if (auto* a = find_attr(attrs, RTA_GATEWAY)) r.gateway = std::string(a->data);
        out.push_back(std::move(r));
        return {};
    }));
    return out;
}

Result<> add_route(Socket& s, const Route& r) {
    Message m(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
    rtmsg rt{};
    rt.rtm_family = r.family;
    rt.rtm_dst_len = r.dst_len;
    rt.rtm_table = RT_TABLE_MAIN;
    rt.rtm_protocol = r.protocol ? r.protocol : static_cast<uint8_t>(RTPROT_BOOT);
    rt.rtm_scope = r.scope;
    rt.rtm_type = r.type ? r.type : static_cast<uint8_t>(RTN_UNICAST);
    m.header(rt);
    if (!r.dst.empty()) m.attr(RTA_DST, r.dst.data(), r.dst.size());
    if (!r.gateway.empty()) m.attr(RTA_GATEWAY, r.gateway.data(), r.gateway.size());
    if (r.ifindex) m.attr_u32(RTA_OIF, static_cast<uint32_t>(r.ifindex));
    if (r.priority) m.attr_u32(RTA_PRIORITY, r.priority);
    std::string what = "add route " + (r.dst.empty() ? std::string("default") : address_text(r.family, r.dst) + "/" + std::to_string(r.dst_len));
    if (!r.gateway.empty()) what += " via " + address_text(r.family, r.gateway);
    return s.request(m, what);
}

}  // namespace strata::netlink
