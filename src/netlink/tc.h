#pragma once
// Traffic control over rtnetlink, only what redirecting an interface to a tap takes: an ingress
// qdisc and a u32 filter that matches every frame with a mirred action that redirects it to the
// egress of another interface (what `tc filter add dev A parent ffff: protocol all u32 match u32
// 0 0 action mirred egress redirect dev B` does). Kata's default "tcfilter" networking.

#include "base/result.h"
#include "netlink/socket.h"

namespace strata::netlink {

Result<> add_ingress_qdisc(Socket& s, int ifindex);
// Deleting the qdisc deletes its filters too. ENOENT/EINVAL when there is none.
Result<> delete_ingress_qdisc(Socket& s, int ifindex);
Result<bool> has_ingress_qdisc(Socket& s, int ifindex);
// Every frame arriving on `from` leaves by `to` instead of reaching `from`'s stack.
Result<> redirect_ingress(Socket& s, int from, int to);

}  // namespace strata::netlink
