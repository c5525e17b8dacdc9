#pragma once
// The guest's side of the file share (vm/share/share.h on the host): the 9p mount of the share
// at vm::agent::kGuestShareDir, in the agent's mount namespace (the workload's root does not
// contain it), and the binds of its entries onto config.json's destinations.

#include "base/result.h"
#include "vm/protocol/spec_codec.h"

namespace strata::agent {

// Mounts the share if any of `mounts` binds from it; nothing otherwise.
Result<> mount_share(const std::vector<vm::agent::GuestMount>& mounts);
// Mounts the share unless it is mounted already (a pod VM's further containers all need it).
Result<> mount_share_device();

// Binds m.source (a share entry) at m.destination inside the root `root_dir` (resolved there,
// created as a directory or an empty file like the entry), with m.flags' attributes (MS_RDONLY...).
Result<> bind_from_share(const vm::agent::GuestMount& m, const char* root_dir);

}  // namespace strata::agent
