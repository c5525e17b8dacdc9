#pragma once
// MAC address helpers for the NICs (parse_mac and to_string are declared in vmm/machine.h).

#include "vmm/machine.h"

namespace strata::vmm {

// A random unicast, locally administered address (02:xx:...): the default for a NIC given none.
MacAddress random_mac();
inline bool is_multicast(const MacAddress& mac) { return mac[0] & 1; }

}  // namespace strata::vmm
