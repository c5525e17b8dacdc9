#pragma once
// IP addresses of network interfaces (rtnetlink addresses): listing and adding.

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "netlink/socket.h"

namespace strata::netlink {

struct Address {
    uint8_t family = 0;    // AF_INET or AF_INET6
    uint8_t prefix = 0;    // prefix length
    uint8_t scope = 0;     // RT_SCOPE_*
    int ifindex = 0;
    std::string bytes;     // 4 or 16 bytes, network order
};
// "10.88.0.5/16", "fd00::5/64"
std::string address_text(uint8_t family, const std::string& bytes);

Result<std::vector<Address>> list_addresses(Socket& s, int ifindex);
Result<> add_address(Socket& s, const Address& a);

}  // namespace strata::netlink
