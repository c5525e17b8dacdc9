#pragma once
// rtnetlink, the one call strata needs: moving a network interface into another network
// namespace (linux.netDevices).

#include <string>

#include "base/result.h"

namespace strata::sys {

// Moves interface `name` of the caller's network namespace into the namespace of `netns_fd`
// (an open /proc/<pid>/ns/net), renamed to `new_name` there (RTM_NEWLINK with IFLA_NET_NS_FD
// and IFLA_IFNAME). Errors: ENODEV for no such interface, EEXIST when the name is taken there.
Result<> move_link_to_netns(const std::string& name, int netns_fd, const std::string& new_name);

}  // namespace strata::sys
