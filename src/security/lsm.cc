#include "security/lsm.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "base/strings.h"
#include "sys/file.h"
#include "sys/mount.h"

namespace strata::security {

bool apparmor_enabled() {
    auto v = sys::read_file("/sys/module/apparmor/parameters/enabled");
    return v && trim(*v) == "Y";
}

bool selinux_enabled() { return sys::exists("/sys/fs/selinux/enforce"); }

Result<> validate_lsm(const spec::Spec& spec, const std::string& file) {
    if (spec.process && !spec.process->apparmor_profile.empty() && !apparmor_enabled())
        return error(file + ": .process.apparmorProfile: AppArmor is not enabled on this host");
    if (spec.process && !spec.process->selinux_label.empty() && !selinux_enabled())
        return error(file + ": .process.selinuxLabel: SELinux is not enabled on this host");
    if (spec.linux && !spec.linux->mount_label.empty() && !selinux_enabled())
        return error(file + ": .linux.mountLabel: SELinux is not enabled on this host");
    return {};
}

namespace {

// A fresh procfs, never attached anywhere, verified by its magic number.
Result<UniqueFd> private_procfs() {
    UniqueFd proc = STRATA_TRY(sys::fs_mount("proc", "proc", {}, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC));
    struct statfs sf{};
    if (::fstatfs(proc.get(), &sf) < 0) return os_error(errno, "statfs the private procfs");
    if (sf.f_type != PROC_SUPER_MAGIC) return os_error(EPERM, "the private procfs is not procfs");
    return proc;
}

Result<> write_attr(int proc, const std::string& rel, const std::string& value, const std::string& what) {
    auto fd = sys::openat2(proc, rel, O_WRONLY, RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_SYMLINKS);
    if (!fd) return os_error(fd.error().code, what + ": open /proc/" + rel);
    if (::write(fd->get(), value.data(), value.size()) < 0) return os_error(errno, what + ": write " + quote(value));
    return {};
}

}  // namespace

Result<> apply_exec_labels(const spec::Process& proc) {
    if (proc.apparmor_profile.empty() && proc.selinux_label.empty()) return {};
    UniqueFd p = STRATA_TRY(private_procfs());
    if (!proc.apparmor_profile.empty()) {
        // Newer kernels have the per-LSM directory; older ones only the shared file.
        std::string rel = "thread-self/attr/apparmor/exec";
        if (::faccessat(p.get(), rel.c_str(), F_OK, 0) < 0) rel = "thread-self/attr/exec";
        STRATA_TRY(write_attr(p.get(), rel, "exec " + proc.apparmor_profile, "AppArmor profile " + quote(proc.apparmor_profile)));
    }
    if (!proc.selinux_label.empty())
        STRATA_TRY(write_attr(p.get(), "thread-self/attr/exec", proc.selinux_label, "SELinux label " + quote(proc.selinux_label)));
    return {};
}

}  // namespace strata::security
