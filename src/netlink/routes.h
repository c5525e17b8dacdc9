#pragma once
// Routes of the main table (rtnetlink routes): listing one family's and adding one.

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "netlink/socket.h"

namespace strata::netlink {

struct Route {
    uint8_t family = 0;     // AF_INET or AF_INET6
    uint8_t dst_len = 0;    // 0 with an empty dst: the default route
    uint8_t protocol = 0;   // RTPROT_*: KERNEL for the routes an address brings with it
    uint8_t scope = 0;      // RT_SCOPE_*
    uint8_t type = 0;       // RTN_UNICAST...
    int ifindex = 0;        // RTA_OIF
    uint32_t priority = 0;  // RTA_PRIORITY (metric)
    std::string dst, gateway;  // network-order bytes; empty when absent
};

// The main table's routes of `family`.
Result<std::vector<Route>> list_routes(Socket& s, uint8_t family);
Result<> add_route(Socket& s, const Route& r);

}  // namespace strata::netlink
