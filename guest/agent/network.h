#pragma once
// The guest's NICs as the container's network namespace had its interfaces (vm/net on the host):
// name, MAC, MTU, addresses and routes, set over netlink (the guest has no `ip`).

#include <vector>

#include "base/result.h"
#include "vm/protocol/agent_protocol.h"

namespace strata::agent {

Result<> configure_nics(const std::vector<vm::agent::NicConfig>& nics);

}  // namespace strata::agent
