#pragma once
// A tap for VMM tests, in a network namespace of its own (made by a short-lived thread, so the
// test process keeps its namespace) with IPv6 off, so the host kernel sends nothing unasked.

#include <string>

#include "base/unique_fd.h"

namespace strata::vmm::test {

struct NetnsTap {
    UniqueFd tap;     // the tap's fd, for the VMM
    UniqueFd packet;  // AF_PACKET socket bound to the interface (only when brought up)
    std::string error;  // set if any step failed (with errno's text)
};

struct NetnsTapOptions {
    int vnet_hdr_size = 0;  // TUNSETVNETHDRSZ if not 0
    short flags = 0x5002;   // IFF_TAP | IFF_NO_PI | IFF_VNET_HDR
    bool up = true;         // bring the link up and bind `packet` to it
    std::string ipv4;       // address/prefix for the interface ("10.99.0.1/24"), if any
};

// The interface is always called stap0.
NetnsTap make_netns_tap(const NetnsTapOptions& o = {});

}  // namespace strata::vmm::test
