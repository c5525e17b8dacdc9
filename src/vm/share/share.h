#pragma once
// config.json's bind mounts for the guest: one virtio-9p share per VM (the QEMU backend's
// -fsdev local), a directory that holds entry <i> for mounts[i], the bind of that mount's source.
// The monitor stages it in a mount namespace of its own, so nothing of it is visible on the
// host and all of it goes when the monitor (and QEMU, its child) exits. The guest agent binds
// the entries onto the destinations (vm/protocol/spec_codec.h: GuestMount). Design notes:
// docs/design/vm.md, "Files: the 9p share".

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "spec/spec.h"

namespace strata::vm {

struct ShareBind {
    size_t index = 0;          // in config.json's mounts: the name of the share's entry
    std::string source;        // absolute host path (relative ones anchored at the bundle)
    std::string destination;   // for messages
    bool readonly = false;     // ro or rro
    unsigned attrs = 0;        // MOUNT_ATTR_RDONLY|NOSUID|NODEV|NOEXEC, applied on the host too (NODEV always)
    bool recursive = false;    // rbind
};

// The bind mounts that go through the share: all but those the guest makes a tmpfs of its own
// (/dev/shm). Pure: no syscalls.
Result<std::vector<ShareBind>> plan_share(const spec::Spec& spec, const std::string& bundle);

// The size of the guest's /dev/shm: that of the host source if it is a tmpfs (an engine's
// --shm-size), else agent::kDefaultShmBytes.
uint64_t guest_shm_bytes(const spec::Spec& spec, const std::string& bundle);

// Stages `binds` at `dir` (created if missing), in the calling process's mount namespace, which
// must be its own and must not propagate back to the host's: mounts a small tmpfs at `dir` and
// binds each source at dir/<index> (a directory or an empty file, matching the source), read-only
// where asked; and creates each destination in `rootfs` (the host's image directory, as runc
// does) so the guest finds its mount point under a read-only root. Must run before the VMM
// starts, in the process that will be its parent, and before the rootfs is packed for the guest.
// A source that is missing: "config.json: .mounts[N].source "PATH": ... ENOENT (...)".
Result<> stage_share(const std::vector<ShareBind>& binds, const std::string& dir, const std::string& rootfs);

// dir/name: an empty directory (or file) made for the detached mount `tree` and `tree` attached
// on it. For stage_share's entries and a pod VM's further containers' (member_share.h).
Result<> attach_share_entry(int dir, const std::string& name, int tree, bool directory);

}  // namespace strata::vm
