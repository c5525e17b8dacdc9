#pragma once
// Network interfaces (rtnetlink links): listing them and changing one's name, MAC, MTU and state.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "netlink/socket.h"

namespace strata::netlink {

using Mac = std::array<uint8_t, 6>;
std::string mac_text(const Mac& m);  // "02:42:ac:11:00:02"

struct Link {
    int index = 0;
    std::string name;
    std::string kind;       // IFLA_INFO_KIND: "veth", "tun", "bridge"; "" for a plain device
    uint16_t arp_type = 0;  // ARPHRD_*: ETHER for what can be redirected to a tap
    uint32_t flags = 0;     // IFF_*
    uint32_t mtu = 0;
    std::optional<Mac> mac;
};

Result<std::vector<Link>> list_links(Socket& s);

struct LinkChange {
    std::optional<std::string> name;
    std::optional<Mac> mac;
    std::optional<uint32_t> mtu;
    std::optional<bool> up;
};
Result<> change_link(Socket& s, int index, const LinkChange& c);

}  // namespace strata::netlink
