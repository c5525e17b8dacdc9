#include "rootfs/rootfs.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sstream>

#include "base/log.h"
#include "base/strings.h"
#include "rootfs/resolve.h"
#include "sys/file.h"
#include "sys/mount.h"

namespace strata::rootfs {

namespace {

unsigned long propagation_flag(const std::string& p) {
    if (p == "private" || p == "rprivate") return MS_PRIVATE;
    if (p == "shared" || p == "rshared") return MS_SHARED;
    if (p == "unbindable" || p == "runbindable") return MS_UNBINDABLE;
    return MS_SLAVE;  // "", "slave", "rslave": host mounts still reach the container, not back
}

// Where the mount that holds `fd` is mounted: its mount id (statx) looked up in mountinfo.
Result<std::string> mount_point_of(int fd, const std::string& what) {
    struct statx stx{};
    if (::statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) < 0) return os_error(errno, "statx " + quote(what));
    if (!(stx.stx_mask & STATX_MNT_ID)) return os_error(ENOSYS, "statx " + quote(what) + ": no mount id");
    std::string info = STRATA_TRY(sys::read_file("/proc/self/mountinfo"));
    std::istringstream in(info);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream f(line);
        std::string id, parent, dev, root, point;
        f >> id >> parent >> dev >> root >> point;
        if (id != std::to_string(stx.stx_mnt_id)) continue;
        // Octal escapes: \040 (space), \011, \012, \134.
        std::string out;
        for (size_t i = 0; i < point.size(); ++i) {
            auto octal = [&](size_t k) { return k < point.size() && point[k] >= '0' && point[k] <= '7'; };
            if (point[i] == '\\' && octal(i + 1) && octal(i + 2) && octal(i + 3)) {
                out += static_cast<char>((point[i + 1] - '0') * 64 + (point[i + 2] - '0') * 8 + (point[i + 3] - '0'));
                i += 3;
            } else {
                out += point[i];
            }
        }
        return out;
    }
    return os_error(ENOENT, "mount of " + quote(what) + " (id " + std::to_string(stx.stx_mnt_id) + ") in /proc/self/mountinfo");
}

std::string shown(const MountOp& op) {
    return quote(op.kind == MountOp::Kind::bind ? op.source : op.fstype) + " on " + quote(op.destination);
}

}  // namespace

Result<Rootfs> Rootfs::prepare(const Options& opts) {
    Rootfs r;
    r.m_opts = opts;
    unsigned long flag = propagation_flag(opts.propagation);
    bool recursive = opts.propagation.empty() || opts.propagation.starts_with('r');
    // An unbindable tree cannot be cloned (the rootfs and every bind would fail with EINVAL):
    // it is set up private and made unbindable once it is "/" (enter()).
    if (flag == MS_UNBINDABLE) flag = MS_PRIVATE;
    STRATA_TRY(sys::mount("", "/", "", flag | (recursive ? MS_REC : 0), ""));

    UniqueFd target = STRATA_TRY(sys::open(opts.rootfs, O_PATH | O_DIRECTORY));
    // pivot_root refuses a new root whose parent mount is shared: the mount the rootfs sits on
    // is made private in the container's namespace (runc's rootfsParentMountPrivate). The
    // requested propagation goes on the container's "/" after pivot_root.
    if (flag == MS_SHARED) {
        std::string parent = STRATA_TRY(mount_point_of(target.get(), opts.rootfs));
        STRATA_TRY(sys::mount("", parent, "", MS_PRIVATE, ""));
    }
    UniqueFd tree = STRATA_TRY(sys::clone_tree(target.get(), "", /*recursive=*/true, "rootfs " + quote(opts.rootfs)));
    // pivot_root refuses a new root whose parent mount is shared; a private rootfs mount keeps
    // the container's mounts from propagating back to the host either way.
    STRATA_TRY(sys::set_mount_attr(tree.get(), 0, 0, MS_PRIVATE, false, "rootfs"));
    STRATA_TRY(sys::attach_mount(tree.get(), target.get(), "rootfs " + quote(opts.rootfs)));
    r.m_root = std::move(tree);
    return r;
}

Result<> Rootfs::finish_mount(int mnt, int target, const MountOp& op) {
    if (op.rec_attr_set || op.rec_attr_clear)
        STRATA_TRY(sys::set_mount_attr(mnt, op.rec_attr_set, op.rec_attr_clear, 0, true, shown(op)));
    STRATA_TRY(sys::attach_mount(mnt, target, shown(op)));
    if (op.propagation)
        STRATA_TRY(sys::set_mount_attr(mnt, 0, 0, op.propagation, op.propagation_recursive, shown(op)));
    return {};
}

Result<> Rootfs::mount_filesystem(const MountOp& op) {
    // /proc and /sys must be real directories of the rootfs: a symlink there once redirected
    // the runtime's later writes to procfs (CVE-2019-16884, CVE-2023-27561).
    bool special = op.fstype == "proc" || op.fstype == "sysfs";
    UniqueFd target = STRATA_TRY(create_in_root(m_root.get(), op.destination, Kind::directory));
    if (special) target = STRATA_TRY(open_no_symlinks(m_root.get(), op.destination));

    unsigned attrs = op.attr_set & ~MOUNT_ATTR_IDMAP;
    auto mnt = sys::fs_mount(op.fstype, op.source, op.fs_options, attrs);
    if (!mnt && mnt.error().code == EPERM && m_opts.userns &&
        (op.fstype == "sysfs" || op.fstype == "mqueue")) {
        // In a user namespace without its own network (ipc) namespace the kernel refuses a new
        // sysfs (mqueue); bind the host's instead, as runc does.
        log::debug("mount " + op.fstype + ": EPERM in a user namespace, binding the host's");
        MountOp bind = op;
        bind.kind = MountOp::Kind::bind;
        bind.source = op.fstype == "sysfs" ? "/sys" : "/dev/mqueue";
        bind.recursive = true;
        return mount_bind(bind);
    }
    if (!mnt) return std::unexpected(mnt.error());
    if (op.tmpcopyup) STRATA_TRY(copy_tree(target.get(), mnt->get(), op.destination));
    STRATA_TRY(finish_mount(mnt->get(), target.get(), op));
    if (op.fstype == "proc" && op.destination == "/proc") m_proc = std::move(*mnt);
    if (op.fstype == "devpts" && op.destination == "/dev/pts") m_has_devpts = true;
    return {};
}

Result<> Rootfs::mount_bind(const MountOp& op) {
    UniqueFd source = STRATA_TRY(sys::open(op.source, O_PATH));
    struct stat st = STRATA_TRY(sys::fstat(source.get(), quote(op.source)));
    Kind kind = S_ISDIR(st.st_mode) ? Kind::directory : Kind::file;
    UniqueFd target = STRATA_TRY(create_in_root(m_root.get(), op.destination, kind));
    if (op.idmap) return os_error(ENOTSUP, "mount " + shown(op) + ": idmapped mounts are not supported yet");
    UniqueFd tree = STRATA_TRY(sys::clone_tree(source.get(), "", op.recursive, shown(op)));
    if (op.attr_set || op.attr_clear)
        STRATA_TRY(sys::set_mount_attr(tree.get(), op.attr_set, op.attr_clear, 0, false, shown(op)));
    return finish_mount(tree.get(), target.get(), op);
}

Result<> Rootfs::mount_all(const std::vector<MountOp>& mounts) {
    for (const auto& op : mounts) {
        switch (op.kind) {
            case MountOp::Kind::filesystem: STRATA_TRY(mount_filesystem(op)); break;
            case MountOp::Kind::bind: STRATA_TRY(mount_bind(op)); break;
            case MountOp::Kind::cgroup: STRATA_TRY(mount_cgroup(op)); break;
        }
    }
    return {};
}

Result<> Rootfs::enter() {
    if (m_opts.readonly)
        STRATA_TRY(sys::set_mount_attr(m_root.get(), MOUNT_ATTR_RDONLY, 0, 0, false, "rootfs read-only"));
    if (::fchdir(m_root.get()) < 0) return os_error(errno, "chdir to rootfs");
    if (m_opts.no_pivot) {
        // --no-pivot (rootfs on a ramfs initramfs, where pivot_root is impossible).
        if (::mount(".", "/", nullptr, MS_MOVE, nullptr) < 0) return os_error(errno, "move rootfs to /");
        if (::chroot(".") < 0) return os_error(errno, "chroot to rootfs");
    } else {
        // pivot_root(".", "."): the old root ends up stacked under the new one and is detached
        // right away, so no directory inside the rootfs is needed to hold it.
        auto pivoted = sys::pivot_root(".", ".");
        if (!pivoted && pivoted.error().code == EINVAL)
            return os_error(EINVAL, "pivot_root to the rootfs (if the host's root is an initramfs, use --no-pivot)");
        STRATA_TRY(std::move(pivoted));
        // The old root's mounts may still be peers of the host's (rootfsPropagation "shared"
        // makes them so): detached as they are, the unmount would propagate and take the host's
        // shared mounts with it (seen: every /run/netns mount). Slaves first, as runc does.
        if (::mount("", ".", nullptr, MS_SLAVE | MS_REC, nullptr) < 0) return os_error(errno, "make the host root a slave");
        if (::umount2(".", MNT_DETACH) < 0) return os_error(errno, "detach the host root");
    }
    if (::chdir("/") < 0) return os_error(errno, "chdir to /");
    // linux.rootfsPropagation on the container's own root, now that it is "/" (as runc does):
    // shared makes a new peer group for mounts of the container's children namespaces,
    // unbindable could not be set before the binds.
    if (!m_opts.propagation.empty()) {
        unsigned long flag = propagation_flag(m_opts.propagation);
        bool recursive = m_opts.propagation.starts_with('r');
        if (::mount("", "/", nullptr, flag | (recursive ? MS_REC : 0), nullptr) < 0)
            return os_error(errno, "make the container's root " + m_opts.propagation + " (linux.rootfsPropagation)");
    }
    return {};
}

Result<> copy_tree(int from, int to, const std::string& where) {
    int dup = ::openat(from, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dup < 0) return os_error(errno, "open " + quote(where) + " for tmpcopyup");
    DIR* d = ::fdopendir(dup);
    if (!d) {
        ::close(dup);
        return os_error(errno, "read " + quote(where));
    }
    UniqueFd dirfd(::dup(dup));
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d))
        if (std::string_view(e->d_name) != "." && std::string_view(e->d_name) != "..") names.emplace_back(e->d_name);
    ::closedir(d);
    for (const auto& name : names) {
        std::string path = where + "/" + name;
        struct stat st{};
        if (::fstatat(dirfd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) return os_error(errno, "stat " + quote(path));
        if (S_ISDIR(st.st_mode)) {
            if (::mkdirat(to, name.c_str(), st.st_mode & 07777) < 0 && errno != EEXIST) return os_error(errno, "mkdir " + quote(path));
            UniqueFd src = STRATA_TRY(sys::openat(dirfd.get(), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
            UniqueFd dst = STRATA_TRY(sys::openat(to, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
            STRATA_TRY(copy_tree(src.get(), dst.get(), path));
        } else if (S_ISLNK(st.st_mode)) {
            char buf[4096];
            ssize_t n = ::readlinkat(dirfd.get(), name.c_str(), buf, sizeof buf - 1);
            if (n < 0) return os_error(errno, "readlink " + quote(path));
            buf[n] = '\0';
            if (::symlinkat(buf, to, name.c_str()) < 0) return os_error(errno, "symlink " + quote(path));
        } else if (S_ISREG(st.st_mode)) {
            UniqueFd src = STRATA_TRY(sys::openat(dirfd.get(), name, O_RDONLY | O_NOFOLLOW));
            UniqueFd dst = STRATA_TRY(sys::openat(to, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, st.st_mode & 07777));
            off_t left = st.st_size;
            while (left > 0) {
                ssize_t n = ::copy_file_range(src.get(), nullptr, dst.get(), nullptr, static_cast<size_t>(left), 0);
                if (n <= 0) return os_error(n < 0 ? errno : EIO, "copy " + quote(path));
                left -= n;
            }
        } else {
            if (::mknodat(to, name.c_str(), st.st_mode, st.st_rdev) < 0) return os_error(errno, "mknod " + quote(path));
        }
        if (::fchownat(to, name.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EPERM && errno != EINVAL)
            return os_error(errno, "chown " + quote(path));
    }
    return {};
}

}  // namespace strata::rootfs
