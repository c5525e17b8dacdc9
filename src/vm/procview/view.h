#pragma once
// The monitor's mount namespace as an engine that joins it sees it. Podman's `top` (psgo) joins
// the mount namespace of the container's pid, the monitor's, lands at that namespace's root
// mount and reads /proc, /etc/passwd, /etc/group and /dev there. For a VM container that root
// is this view, a small read-only tmpfs:
//
//   /proc          the guest's workload (ProcFs, once the VM runs), or empty without FUSE
//   /etc/passwd    the container's, for user names (copied, when the image has them)
//   /etc/group
//   /dev/pts       empty: the guest's terminals are not the host's
//   /.host         the host's tree, where the monitor and QEMU live (chroot)
//
// The monitor pivots the namespace's root to the view and chroots itself back into /.host, so
// it, and everything it starts, keeps the real tree and the real /proc. Design notes:
// docs/design/vm.md, "podman top".

#include <string>

#include "base/result.h"
#include "base/unique_fd.h"

namespace strata::vm::procview {

// Builds the view at `dir` (created if missing) with `rootfs`'s passwd and group and makes it the
// root of the calling process's mount namespace. Returns an O_PATH fd of the view's /proc, for
// ProcFs::mount_on once the monitor can serve it (a FUSE mount nobody serves blocks its readers).
// Preconditions: the caller has a mount namespace of its own whose mounts do not propagate to
// the host's (MS_SLAVE or private), and no other process or thread shares it or its root yet:
// pivot_root moves every process whose root is the old one. On failure nothing of the view is
// left mounted.
Result<UniqueFd> enter_view(const std::string& dir, const std::string& rootfs);

// Where the host's tree is in the view.
inline constexpr const char* kHostDir = "/.host";

}  // namespace strata::vm::procview
