#include "vm/share/member_share.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/strings.h"
#include "rootfs/resolve.h"
#include "sys/file.h"
#include "sys/mount.h"
#include "vm/protocol/spec_codec.h"
#include "vm/share/share.h"

namespace strata::vm {

Result<std::vector<MemberEntry>> member_entries(const spec::Spec& spec, const std::string& bundle, const std::string& rootfs) {
    std::vector<ShareBind> binds = STRATA_TRY(plan_share(spec, bundle));
    std::vector<MemberEntry> out;
    UniqueFd root = STRATA_TRY(with_context(sys::open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC), "rootfs"));
    for (const auto& b : binds) {
        std::string field = "config.json: .mounts[" + std::to_string(b.index) + "]";
        struct stat st = STRATA_TRY(with_context(sys::stat(b.source), field + ".source " + quote(b.source)));
        auto kind = S_ISDIR(st.st_mode) ? rootfs::Kind::directory : rootfs::Kind::file;
        (void)STRATA_TRY(with_context(rootfs::create_in_root(root.get(), b.destination, kind), field + ".destination " + quote(b.destination)));
        UniqueFd tree = STRATA_TRY(with_context(sys::clone_tree(AT_FDCWD, b.source, b.recursive, "the source"), field + ".source " + quote(b.source)));
        if (b.attrs) STRATA_TRY(with_context(sys::set_mount_attr(tree.get(), b.attrs, 0, 0, b.recursive, "the source"), field));
        out.push_back({std::to_string(b.index), std::move(tree)});
    }
    // The root last: its mount points are made. nodev on the host's side, as every share entry
    // (share.h): the 9p server opens files as root, outside the container's device rules.
    UniqueFd tree = STRATA_TRY(with_context(sys::clone_tree(AT_FDCWD, rootfs, true, "the rootfs"), "rootfs " + quote(rootfs)));
    STRATA_TRY(with_context(sys::set_mount_attr(tree.get(), MOUNT_ATTR_NODEV, 0, 0, true, "the rootfs"), "rootfs " + quote(rootfs)));
    out.push_back({agent::kMemberRootfsEntry, std::move(tree)});
    return out;
}

Result<MemberShare> MemberShare::stage(const std::string& share_dir, const std::string& name, std::vector<MemberEntry> entries) {
    if (!agent::plain_name(name)) return os_error(EINVAL, "pod container: bad name " + quote(name));
    MemberShare s;
    std::string parent = share_dir + "/c";
    if (::mkdir(parent.c_str(), 0755) < 0 && errno != EEXIST) return os_error(errno, "mkdir " + parent);
    std::string dir = parent + "/" + name;
    if (::mkdir(dir.c_str(), 0755) < 0)
        return os_error(errno, errno == EEXIST ? "pod container " + name + " is in the pod's VM already" : "mkdir " + dir);
    s.m_dir = dir;
    UniqueFd d = STRATA_TRY(sys::open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC));
    for (auto& e : entries) {
        if (!agent::plain_name(e.name)) return os_error(EINVAL, "pod container " + name + ": bad share entry " + quote(e.name));
        struct stat st{};
        if (::fstat(e.tree.get(), &st) < 0) return os_error(errno, "pod container " + name + ": stat share entry " + e.name);
        s.m_entries.push_back(e.name);  // released even if only made
        STRATA_TRY(with_context(attach_share_entry(d.get(), e.name, e.tree.get(), S_ISDIR(st.st_mode)), "pod container " + name));
    }
    return s;
}

MemberShare& MemberShare::operator=(MemberShare&& o) noexcept {
    if (this != &o) {
        release();
        m_dir = std::exchange(o.m_dir, {});
        m_entries = std::move(o.m_entries);
    }
    return *this;
}

void MemberShare::release() {
    if (m_dir.empty()) return;
    for (const auto& e : m_entries) {
        std::string path = m_dir + "/" + e;
        ::umount2(path.c_str(), MNT_DETACH);
        if (::unlink(path.c_str()) < 0) ::rmdir(path.c_str());
    }
    ::rmdir(m_dir.c_str());
    m_dir.clear();
    m_entries.clear();
}

}  // namespace strata::vm
