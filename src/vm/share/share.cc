#include "vm/share/share.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/statfs.h>

#include "base/strings.h"
#include "rootfs/mount_plan.h"
#include "rootfs/resolve.h"
#include "sys/file.h"
#include "sys/mount.h"
#include "sys/ns.h"
#include "vm/protocol/spec_codec.h"

namespace strata::vm {

Result<std::vector<ShareBind>> plan_share(const spec::Spec& spec, const std::string& bundle) {
    auto ops = STRATA_TRY(rootfs::plan_mounts(spec, bundle));
    std::vector<ShareBind> binds;
    for (size_t i = 0; i < ops.size(); ++i) {
        const auto& op = ops[i];
        if (op.kind != rootfs::MountOp::Kind::bind || agent::guest_tmpfs_bind(op)) continue;
        ShareBind b;
        b.index = i;
        b.source = op.source;
        b.destination = op.destination;
        b.readonly = ((op.attr_set | op.rec_attr_set) & MOUNT_ATTR_RDONLY) != 0;
        // On the host side too: a device node or setuid file the guest creates through a nodev or
        // nosuid bind must not be one for host processes either. And nodev always, on the host
        // side only: the 9p server (QEMU's or the own VMM's) opens files as root, outside the
        // container's device rules, so a device node a guest made in a volume must never open
        // the host's device when a guest (its kernel is not trusted) asks the server to open it.
        // The guest's own kernel opens device nodes on 9p itself (its own devices), so the
        // guest sees no difference.
        b.attrs = ((op.attr_set | op.rec_attr_set) & (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)) |
                  MOUNT_ATTR_NODEV;
        b.recursive = op.recursive;
        binds.push_back(std::move(b));
    }
    return binds;
}

uint64_t guest_shm_bytes(const spec::Spec& spec, const std::string& bundle) {
    auto ops = rootfs::plan_mounts(spec, bundle);
    if (!ops) return agent::kDefaultShmBytes;
    for (const auto& op : *ops) {
        if (!agent::guest_tmpfs_bind(op)) continue;
        struct statfs fs{};
        if (::statfs(op.source.c_str(), &fs) == 0 && fs.f_type == TMPFS_MAGIC && fs.f_blocks > 0)
            return uint64_t(fs.f_blocks) * uint64_t(fs.f_bsize);
    }
    return agent::kDefaultShmBytes;
}

namespace {

// dir/<index>: a detached copy of the source's mount tree (read-only, nosuid... before it is
// attached, so no moment exists where QEMU could write through a read-only bind), on an entry of
// its type.
Result<> stage_one(const ShareBind& b, int dir, int rootfs) {
    std::string field = "config.json: .mounts[" + std::to_string(b.index) + "].source " + quote(b.source);
    // Symlinks in the source path are followed, as runc and the container substrate do.
    struct stat st = STRATA_TRY(with_context(sys::stat(b.source), field));
    // The mount point in the image, as runc and the container substrate make it (confined to
    // the rootfs): the guest's root may be read-only (root.readonly, or erofs without overlay).
    auto kind = S_ISDIR(st.st_mode) ? rootfs::Kind::directory : rootfs::Kind::file;
    (void)STRATA_TRY(with_context(rootfs::create_in_root(rootfs, b.destination, kind),
                                  "config.json: .mounts[" + std::to_string(b.index) + "].destination " + quote(b.destination)));
    UniqueFd tree = STRATA_TRY(with_context(sys::clone_tree(AT_FDCWD, b.source, b.recursive, "the source"), field));
    if (b.attrs) STRATA_TRY(with_context(sys::set_mount_attr(tree.get(), b.attrs, 0, 0, b.recursive, "the source"), field));
    return with_context(attach_share_entry(dir, std::to_string(b.index), tree.get(), S_ISDIR(st.st_mode)), field);
}

}  // namespace

Result<> attach_share_entry(int dir, const std::string& name, int tree, bool directory) {
    if (directory) STRATA_TRY(sys::mkdirat(dir, name, 0755));
    else (void)STRATA_TRY(sys::openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    UniqueFd entry = STRATA_TRY(sys::openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC));
    return sys::attach_mount(tree, entry.get(), "the share's entry " + name);
}

Result<> stage_share(const std::vector<ShareBind>& binds, const std::string& dir, const std::string& rootfs) {
    auto staged = [&]() -> Result<> {
        STRATA_TRY(sys::mkdir_all(dir, 0700));
        // Only the entries live here (a few inodes): the guest cannot fill the host's memory.
        STRATA_TRY(sys::mount("strata-share", dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755,size=64k,nr_inodes=4096"));
        UniqueFd d = STRATA_TRY(sys::open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC));
        UniqueFd root = STRATA_TRY(sys::open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC));
        for (const auto& b : binds) STRATA_TRY(stage_one(b, d.get(), root.get()));
        return {};
    }();
    return with_context(std::move(staged), "vm: the file share");
}

}  // namespace strata::vm
