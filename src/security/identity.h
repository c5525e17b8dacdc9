#pragma once
// The last steps before exec that make a process what the config says it is, shared by the
// container init, bare mode, `exec` and the guest agent: capabilities resolved, the bounding set
// dropped, user and groups switched (keeping the permitted set across the switch), the
// capability sets applied, then no_new_privs.

#include <string>
#include <vector>

#include "base/result.h"
#include "security/caps.h"
#include "spec/spec.h"

namespace strata::security {

// Capability names this kernel does not know are skipped and, if `skipped` is given, listed
// there (the caller warns about them, as runc does).
Result<> assume_identity(const spec::Process& proc, std::vector<std::string>* skipped);

// The same with the capability sets already resolved (proc.capabilities is not read): the guest
// agent gets them as bit sets from the host. Bits beyond this kernel's last capability are
// ignored, as unknown names are above.
Result<> assume_identity(const spec::Process& proc, const CapSets& caps);

}  // namespace strata::security
