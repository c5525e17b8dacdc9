#include "netlink/tc.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>

#include <string>

namespace strata::netlink {
namespace {

constexpr uint32_t kIngressHandle = 0xFFFF0000;  // ffff:

tcmsg ingress_tcmsg(int ifindex) {
    tcmsg t{};
    t.tcm_family = AF_UNSPEC;
    t.tcm_ifindex = ifindex;
    t.tcm_handle = kIngressHandle;
    t.tcm_parent = TC_H_INGRESS;
    return t;
}

}  // namespace

Result<> add_ingress_qdisc(Socket& s, int ifindex) {
    Message m(RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL);
    m.header(ingress_tcmsg(ifindex));
    m.attr_str(TCA_KIND, "ingress");
    return s.request(m, "add an ingress qdisc to interface " + std::to_string(ifindex));
}

Result<> delete_ingress_qdisc(Socket& s, int ifindex) {
    Message m(RTM_DELQDISC, 0);
    m.header(ingress_tcmsg(ifindex));
    return s.request(m, "delete the ingress qdisc of interface " + std::to_string(ifindex));
}

Result<bool> has_ingress_qdisc(Socket& s, int ifindex) {
    Message m(RTM_GETQDISC, NLM_F_DUMP);
    tcmsg t{};
    t.tcm_family = AF_UNSPEC;
    t.tcm_ifindex = ifindex;
    m.header(t);
    bool found = false;
    STRATA_TRY(s.dump(m, "list the qdiscs", [&](uint16_t type, std::string_view p) -> Result<> {
        if (type != RTM_NEWQDISC || p.size() < sizeof(tcmsg)) return {};
        tcmsg h;
        std::memcpy(&h, p.data(), sizeof h);
        if (h.tcm_ifindex == ifindex && h.tcm_parent == TC_H_INGRESS) found = true;
        return {};
    }));
    return found;
}

Result<> redirect_ingress(Socket& s, int from, int to) {
    Message m(RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL);
    tcmsg t{};
    t.tcm_family = AF_UNSPEC;
    t.tcm_ifindex = from;
    t.tcm_parent = kIngressHandle;
    constexpr uint32_t kPriority = 1;
    t.tcm_info = TC_H_MAKE(kPriority << 16, htons(ETH_P_ALL));
    m.header(t);
    m.attr_str(TCA_KIND, "u32");
    size_t options = m.begin_nest(TCA_OPTIONS);
    // One key that matches everything (mask 0 at offset 0), terminal: "match u32 0 0".
    tc_u32_sel sel{};
    sel.flags = TC_U32_TERMINAL;
    sel.nkeys = 1;
    tc_u32_key key{};
    char sel_bytes[sizeof sel + sizeof key];
    std::memcpy(sel_bytes, &sel, sizeof sel);
    std::memcpy(sel_bytes + sizeof sel, &key, sizeof key);
    m.attr(TCA_U32_SEL, sel_bytes, sizeof sel_bytes);
    size_t actions = m.begin_nest(TCA_U32_ACT);
    size_t first = m.begin_nest(1);  // the action's order in the list
    m.attr_str(TCA_ACT_KIND, "mirred");
    size_t act_options = m.begin_nest(TCA_ACT_OPTIONS);
    tc_mirred mirred{};
    mirred.action = TC_ACT_STOLEN;
    mirred.eaction = TCA_EGRESS_REDIR;
    mirred.ifindex = static_cast<uint32_t>(to);
    m.attr(TCA_MIRRED_PARMS, &mirred, sizeof mirred);
    m.end_nest(act_options);
    m.end_nest(first);
    m.end_nest(actions);
    m.end_nest(options);
    return s.request(m, "redirect interface " + std::to_string(from) + "'s frames to interface " + std::to_string(to));
}

}  // namespace strata::netlink
