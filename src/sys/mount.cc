#include "sys/mount.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/strings.h"

namespace strata::sys {

Result<> mount(const std::string& source, const std::string& target, const std::string& fstype,
               unsigned long flags, const std::string& data) {
    if (::mount(source.empty() ? nullptr : source.c_str(), target.c_str(),
                fstype.empty() ? nullptr : fstype.c_str(), flags,
                data.empty() ? nullptr : data.c_str()) < 0) {
        int err = errno;
        return os_error(err, "mount " + quote(source.empty() ? fstype : source) + " on " +
                                 quote(target));
    }
    return {};
}

Result<> umount(const std::string& target, int flags) {
    if (::umount2(target.c_str(), flags) < 0) return os_error(errno, "umount " + quote(target));
    return {};
}

namespace {

// Drains the fs context's message log: the kernel explains fsconfig failures there.
std::string fs_context_messages(int fsfd) {
    std::string out;
    char buf[512];
    for (;;) {
        ssize_t n = ::read(fsfd, buf, sizeof buf - 1);
        if (n <= 0) break;
        buf[n] = '\0';
        std::string_view line(buf, static_cast<size_t>(n));
        if (line.size() > 2 && line[1] == ' ') line.remove_prefix(2);  // "e " / "w " prefix
        if (!out.empty()) out += "; ";
        out += trim(line);
    }
    return out;
}

}  // namespace

Result<UniqueFd> fs_mount(const std::string& fstype, const std::string& source,
                          const std::vector<std::string>& options, unsigned attr_flags) {
    int raw = ::fsopen(fstype.c_str(), FSOPEN_CLOEXEC);
    if (raw < 0) return os_error(errno, "fsopen " + quote(fstype));
    UniqueFd fsfd(raw);
    auto fail = [&](int err, const std::string& step) -> Result<UniqueFd> {
        std::string msgs = fs_context_messages(fsfd.get());
        return os_error(err, "mount " + quote(fstype) + ": " + step + (msgs.empty() ? "" : " (" + msgs + ")"));
    };
    if (!source.empty() &&
        ::fsconfig(fsfd.get(), FSCONFIG_SET_STRING, "source", source.c_str(), 0) < 0)
        return fail(errno, "source " + quote(source));
    for (const auto& opt : options) {
        size_t eq = opt.find('=');
        int rc;
        if (eq == std::string::npos) {
            rc = ::fsconfig(fsfd.get(), FSCONFIG_SET_FLAG, opt.c_str(), nullptr, 0);
        } else {
            std::string key = opt.substr(0, eq), value = opt.substr(eq + 1);
            rc = ::fsconfig(fsfd.get(), FSCONFIG_SET_STRING, key.c_str(), value.c_str(), 0);
        }
        if (rc < 0) return fail(errno, "option " + quote(opt));
    }
    if (::fsconfig(fsfd.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0)
        return fail(errno, "create");
    int mnt = ::fsmount(fsfd.get(), FSMOUNT_CLOEXEC, attr_flags);
    if (mnt < 0) return fail(errno, "fsmount");
    return UniqueFd(mnt);
}

Result<UniqueFd> clone_tree(int dirfd, const std::string& path, bool recursive,
                            const std::string& what) {
    unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
    if (path.empty()) flags |= AT_EMPTY_PATH;
    int fd = ::open_tree(dirfd, path.c_str(), flags);
    if (fd < 0) return os_error(errno, "bind " + what);
    return UniqueFd(fd);
}

Result<> set_mount_attr(int mntfd, unsigned set, unsigned clear, unsigned long propagation,
                        bool recursive, const std::string& what) {
    mount_attr attr{};
    attr.attr_set = set;
    attr.attr_clr = clear;
    attr.propagation = propagation;
    if (::mount_setattr(mntfd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr,
                        sizeof attr) < 0)
        return os_error(errno, "set mount attributes of " + what);
    return {};
}

Result<> attach_mount(int mntfd, int target, const std::string& what) {
    if (::move_mount(mntfd, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return os_error(errno, "mount " + what);
    return {};
}

Result<> mount_on_fd(const std::string& source, int target_fd, const std::string& fstype,
                     unsigned long flags, const std::string& data, const std::string& what) {
    std::string proc_path = "/proc/self/fd/" + std::to_string(target_fd);
    if (::mount(source.empty() ? nullptr : source.c_str(), proc_path.c_str(),
                fstype.empty() ? nullptr : fstype.c_str(), flags,
                data.empty() ? nullptr : data.c_str()) < 0)
        return os_error(errno, "mount " + what);
    return {};
}

Result<> pivot_root(const std::string& new_root, const std::string& put_old) {
    if (::syscall(SYS_pivot_root, new_root.c_str(), put_old.c_str()) < 0)
        return os_error(errno, "pivot_root " + quote(new_root));
    return {};
}

}  // namespace strata::sys
