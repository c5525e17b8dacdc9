#include "vm/net/network.h"

#include <fcntl.h>
#include <net/if.h>
#include <linux/if_arp.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "base/log.h"
#include "base/strings.h"
#include "netlink/addresses.h"
#include "netlink/links.h"
#include "netlink/routes.h"
#include "netlink/tc.h"
#include "sys/file.h"
#include "sys/ns.h"

namespace strata::vm {
namespace {

Result<UniqueFd> open_tap(const std::string& name) {
    UniqueFd fd = STRATA_TRY(sys::open("/dev/net/tun", O_RDWR | O_CLOEXEC));
    ifreq ifr{};
    // Not persistent: the tap goes when the VMM's last fd to it closes, whatever ends the VM.
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
    if (::ioctl(fd.get(), TUNSETIFF, &ifr) < 0) return os_error(errno, "create tap " + quote(name));
    return fd;
}

// What the guest's NIC gets of interface `l`: its addresses (not IPv6 link-local ones: the guest
// makes its own from the same MAC) and the routes through it that an address does not bring
// (RTPROT_KERNEL), link-scope ones first so that a gateway is reachable when its route is added.
Result<agent::NicConfig> nic_config(netlink::Socket& nl, const netlink::Link& l) {
    agent::NicConfig c;
    std::string mac(reinterpret_cast<const char*>(l.mac->data()), l.mac->size());
    c.device_mac = mac;
    c.mac = mac;
    c.name = l.name;
    c.mtu = l.mtu;
    for (const auto& a : STRATA_TRY(netlink::list_addresses(nl, l.index))) {
        if (a.family == AF_INET6 && a.scope == RT_SCOPE_LINK) continue;
        if (a.family != AF_INET && a.family != AF_INET6) continue;
        c.addresses.push_back({a.family, a.prefix, a.bytes});
    }
    for (uint8_t family : {uint8_t(AF_INET), uint8_t(AF_INET6)}) {
        for (const auto& r : STRATA_TRY(netlink::list_routes(nl, family))) {
            if (r.ifindex != l.index || r.protocol == RTPROT_KERNEL || r.type != RTN_UNICAST) continue;
            if (family == AF_INET6 && r.dst_len == 64 && r.dst.size() == 16 && uint8_t(r.dst[0]) == 0xfe && (uint8_t(r.dst[1]) & 0xc0) == 0x80)
                continue;  // fe80::/64 comes with the link
            c.routes.push_back({r.family, r.dst_len, r.scope, r.dst, r.gateway, r.priority});
        }
    }
    std::stable_sort(c.routes.begin(), c.routes.end(), [](const auto& a, const auto& b) {
        return (a.scope == RT_SCOPE_LINK) > (b.scope == RT_SCOPE_LINK);
    });
    return c;
}

// Enters config.json's network namespace; false for host networking (none in config.json).
Result<bool> enter_namespace(const spec::Spec& spec, std::string* name) {
    if (!spec.linux) return false;
    const auto& nss = spec.linux->namespaces;
    for (size_t i = 0; i < nss.size(); ++i) {
        if (nss[i].type != "network") continue;
        std::string field = "linux.namespaces[" + std::to_string(i) + "]";
        if (nss[i].path.empty()) {
            // A new, empty one: only lo, so the VM gets no NIC, as a container gets none.
            STRATA_TRY(with_context(sys::unshare(CLONE_NEWNET), field + ": create a network namespace"));
            *name = "a new network namespace";
            return true;
        }
        *name = quote(nss[i].path);
        std::string what = field + ".path " + quote(nss[i].path);
        UniqueFd fd = STRATA_TRY(with_context(sys::open(nss[i].path, O_RDONLY | O_CLOEXEC), field + ".path"));
        int type = STRATA_TRY(sys::namespace_type(fd.get(), what));
        if (type != CLONE_NEWNET) return os_error(EINVAL, what + " is not a network namespace");
        STRATA_TRY(sys::setns(fd.get(), CLONE_NEWNET, what));
        return true;
    }
    return false;
}

}  // namespace

std::string tap_name(size_t i) { return "tap" + std::to_string(i) + "_strata"; }

VmNetwork::~VmNetwork() {
    for (int index : m_redirected) (void)netlink::delete_ingress_qdisc(*m_nl, index);
}

Result<std::unique_ptr<VmNetwork>> attach_network(const spec::Spec& spec) {
    auto net = std::make_unique<VmNetwork>();
    std::string ns_name;
    if (!STRATA_TRY(enter_namespace(spec, &ns_name))) {
        log::warn("vm: config.json has no network namespace (host networking): the VM gets no network interface");
        return net;
    }
    net->m_nl = std::make_unique<netlink::Socket>(STRATA_TRY(netlink::Socket::open()));
    netlink::Socket& nl = *net->m_nl;
    auto links = STRATA_TRY(with_context(netlink::list_links(nl), "vm: network namespace " + ns_name));
    std::vector<netlink::Link> wanted;
    for (const auto& l : links) {
        if (l.flags & IFF_LOOPBACK) continue;
        if (l.name.ends_with("_strata"))
            return os_error(EBUSY, "vm: network namespace " + ns_name + " already has a VM (its interface " + quote(l.name) +
                                       " exists): one VM per network namespace");
        wanted.push_back(l);
    }
    for (const auto& l : wanted) {
        // A tap carries Ethernet frames: an L3 device (wireguard, ipip, a tun) has none to redirect.
        if (l.arp_type != ARPHRD_ETHER || !l.mac)
            return os_error(EOPNOTSUPP, "vm: network namespace " + ns_name + ": interface " + quote(l.name) +
                                            (l.kind.empty() ? "" : " (" + l.kind + ")") + " carries no Ethernet frames and cannot be redirected to the VM");
    }
    for (size_t i = 0; i < wanted.size(); ++i) {
        const netlink::Link& l = wanted[i];
        std::string where = "vm: network namespace " + ns_name + ", interface " + quote(l.name);
        VmNic nic;
        nic.config = STRATA_TRY(with_context(nic_config(nl, l), where));
        std::string tap = tap_name(i);
        nic.tap = STRATA_TRY(with_context(open_tap(tap), where));
        int tap_index = static_cast<int>(::if_nametoindex(tap.c_str()));
        if (tap_index == 0) return os_error(errno, where + ": find tap " + quote(tap));
        STRATA_TRY(with_context(netlink::change_link(nl, tap_index, netlink::LinkChange{.mtu = l.mtu, .up = true}), where + ": tap " + quote(tap)));
        // An ingress qdisc left by a VM that was killed (its tap went with it, ours cannot exist).
        if (STRATA_TRY(netlink::has_ingress_qdisc(nl, l.index))) (void)netlink::delete_ingress_qdisc(nl, l.index);
        STRATA_TRY(with_context(netlink::add_ingress_qdisc(nl, l.index), where));
        net->m_redirected.push_back(l.index);
        STRATA_TRY(with_context(netlink::add_ingress_qdisc(nl, tap_index), where + ": tap " + quote(tap)));
        STRATA_TRY(with_context(netlink::redirect_ingress(nl, l.index, tap_index), where));
        STRATA_TRY(with_context(netlink::redirect_ingress(nl, tap_index, l.index), where));
        log::debug("vm: " + l.name + " (" + netlink::mac_text(*l.mac) + ", mtu " + std::to_string(l.mtu) + ", " +
                   std::to_string(nic.config.addresses.size()) + " addresses, " + std::to_string(nic.config.routes.size()) +
                   " routes) redirected to " + tap);
        net->nics.push_back(std::move(nic));
    }
    return net;
}

}  // namespace strata::vm
