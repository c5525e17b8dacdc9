#pragma once
// Mount syscalls, classic and fd-based (fsopen/fsmount, open_tree, move_mount, mount_setattr).
// fd-based mounting is what keeps a mount from landing outside a rootfs: the target is an O_PATH
// fd resolved once, never a path looked up again.

#include <sys/mount.h>

#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace strata::sys {

Result<> mount(const std::string& source, const std::string& target, const std::string& fstype,
               unsigned long flags, const std::string& data);
Result<> umount(const std::string& target, int flags);

// A detached filesystem mount: fsopen(fstype) + fsconfig(source, options) + fsmount(attrs).
// Options are "key=value" (string) or "key" (flag). The kernel's fs-context messages are added to
// the error ("tmpfs: Bad value for 'size'").
Result<UniqueFd> fs_mount(const std::string& fstype, const std::string& source,
                          const std::vector<std::string>& options, unsigned attr_flags);

// A detached copy of the mount tree at dirfd/path (OPEN_TREE_CLONE [| AT_RECURSIVE]).
Result<UniqueFd> clone_tree(int dirfd, const std::string& path, bool recursive,
                            const std::string& what);

// mount_setattr on the mount fd (AT_EMPTY_PATH): set/clear MOUNT_ATTR_* and propagation.
Result<> set_mount_attr(int mntfd, unsigned set, unsigned clear, unsigned long propagation,
                        bool recursive, const std::string& what);

// Attaches a detached mount onto the object the O_PATH fd `target` refers to.
Result<> attach_mount(int mntfd, int target, const std::string& what);

// Classic mount(2) whose target is the object `target_fd` refers to (via /proc/self/fd), for the
// cases the new API cannot express (propagation changes of attached mounts, legacy options).
Result<> mount_on_fd(const std::string& source, int target_fd, const std::string& fstype,
                     unsigned long flags, const std::string& data, const std::string& what);

Result<> pivot_root(const std::string& new_root, const std::string& put_old);

}  // namespace strata::sys
