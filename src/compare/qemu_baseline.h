#pragma once
// The bare-QEMU baselines of the VM columns: QEMU's microvm run directly, with the kernel and
// command line strata's micro-VMs get and an initramfs that holds only the probe as /init.
//   qemu          a cold boot per instance (against strata's VM with --vm-template off)
//   qemu-restore  QEMU's own save and restore, the mechanism (and the code,
//                 vm/backend/qemu/migration.h) strata's templates use: a guest booted once,
//                 saved while the probe waits for its arguments, its RAM in a file
//                 (x-ignore-shared); each instance is restored from that state with the RAM
//                 file mapped copy-on-write (against strata's VM from a template).

#include <string>
#include <vector>

#include "compare/columns.h"

namespace strata::compare {

// Both, in that order (unavailable together, with the reason, where this host cannot run them).
std::vector<Column> qemu_columns(const std::string& work, const std::string& probe);

}  // namespace strata::compare
