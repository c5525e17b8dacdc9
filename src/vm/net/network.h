#pragma once
// The container's network for its micro-VM, as Kata's default ("tcfilter") does it: the monitor
// enters config.json's network namespace (joined by path, as Podman, CNI and containerd's CRI
// give it, or a new one), and for every interface there but lo (a veth from CNI or netavark)
// creates a tap beside it and redirects frames both ways between the two with tc (an ingress
// qdisc and a u32 match-all filter with a mirred egress redirect on each). The namespace's own
// stack then carries no traffic: what arrives for the interface reaches the guest, and what the
// guest sends leaves by the interface, so the engine's port publishing (DNAT into the namespace)
// and its routing reach the guest unchanged. The guest's NIC takes the interface's MAC,
// addresses, routes and MTU (agent::NicConfig); the namespace keeps them too, unused.
//
// One VM per network namespace: a second VM cannot share the interface (its frames go to one
// tap). A namespace already redirected to a running VM (its tap exists) is refused, naming it.

#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "netlink/socket.h"
#include "spec/spec.h"
#include "vm/protocol/agent_protocol.h"

namespace strata::vm {

struct VmNic {
    UniqueFd tap;               // IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, for the VMM
    agent::NicConfig config;    // what the guest's NIC gets (device_mac = the interface's MAC)
};

// The redirects of one VM; removed when this goes (the taps go with their fds).
class VmNetwork {
public:
    VmNetwork() = default;
    VmNetwork(const VmNetwork&) = delete;
    ~VmNetwork();
    std::vector<VmNic> nics;

private:
    friend Result<std::unique_ptr<VmNetwork>> attach_network(const spec::Spec& spec);
    std::unique_ptr<netlink::Socket> m_nl;  // opened in the namespace
    std::vector<int> m_redirected;          // interfaces whose ingress qdisc is ours
};

// Moves the calling process (the monitor, single-threaded) into config.json's network namespace
// and redirects its interfaces. No network namespace in config.json (host network): no NIC, and
// a warning. Errors name the config field, the interface and the errno; nothing is left behind.
Result<std::unique_ptr<VmNetwork>> attach_network(const spec::Spec& spec);

// The tap's name for the namespace's interface number `i` (IFNAMSIZ: 15 characters at most).
std::string tap_name(size_t i);

}  // namespace strata::vm
