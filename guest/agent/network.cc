#include "agent/network.h"

#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "base/strings.h"
#include "netlink/addresses.h"
#include "netlink/links.h"
#include "netlink/routes.h"

namespace strata::agent {
namespace {

netlink::Mac to_mac(const std::string& bytes) {
    netlink::Mac m{};
    std::memcpy(m.data(), bytes.data(), std::min(bytes.size(), m.size()));
    return m;
}

// The device's link appears once the virtio-net driver probed it (with Debian's modular
// kernels, once the module loaded at boot).
Result<netlink::Link> find_device(netlink::Socket& nl, const netlink::Mac& mac) {
    for (int waited = 0;; waited += 2) {
        for (auto& l : STRATA_TRY(netlink::list_links(nl)))
            if (l.mac && *l.mac == mac) return l;
        if (waited >= 5000) return os_error(ENODEV, "no network device with MAC " + netlink::mac_text(mac) + " in the guest");
        ::usleep(2000);
    }
}

Result<> configure(netlink::Socket& nl, const vm::agent::NicConfig& n) {
    netlink::Link dev = STRATA_TRY(find_device(nl, to_mac(n.device_mac)));
    netlink::LinkChange c;
    if (dev.name != n.name) c.name = n.name;  // a link is renamed only while down: it is, still
    if (n.mac != n.device_mac) c.mac = to_mac(n.mac);
    if (n.mtu && n.mtu != dev.mtu) c.mtu = n.mtu;
    STRATA_TRY(netlink::change_link(nl, dev.index, c));
    STRATA_TRY(netlink::change_link(nl, dev.index, netlink::LinkChange{.up = true}));
    for (const auto& a : n.addresses) {
        auto r = netlink::add_address(nl, {a.family, a.prefix, RT_SCOPE_UNIVERSE, dev.index, a.bytes});
        // A kernel without IPv6 (strata's minimal one) cannot take a v6 address: the v4 ones still work.
        if (!r && r.error().code == EAFNOSUPPORT) continue;
        if (!r && r.error().code != EEXIST) return r;
    }
    for (const auto& rt : n.routes) {
        netlink::Route r;
        r.family = rt.family;
        r.dst_len = rt.dst_len;
        r.scope = rt.scope;
        r.dst = rt.dst;
        r.gateway = rt.gateway;
        r.priority = rt.priority;
        r.ifindex = dev.index;
        auto added = netlink::add_route(nl, r);
        if (!added && added.error().code == EAFNOSUPPORT) continue;
        if (!added && added.error().code != EEXIST) return added;
    }
    return {};
}

}  // namespace

Result<> configure_nics(const std::vector<vm::agent::NicConfig>& nics) {
    if (nics.empty()) return {};
    netlink::Socket nl = STRATA_TRY(netlink::Socket::open());
    for (const auto& n : nics) STRATA_TRY(with_context(configure(nl, n), "configure " + quote(n.name)));
    return {};
}

}  // namespace strata::agent
