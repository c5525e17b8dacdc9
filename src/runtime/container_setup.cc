#include "runtime/container_setup.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/log.h"
#include "base/strings.h"
#include "rootfs/resolve.h"
#include "rootfs/rootfs.h"
#include "runtime/hooks.h"
#include "runtime/sync.h"
#include "runtime/terminal.h"
#include "security/rlimits.h"
#include "spec/tables.h"
#include "sys/file.h"
#include "sys/mount.h"
#include "sys/ns.h"

namespace strata::runtime {
namespace {

// Writes sysctls through the container's own procfs mount. RESOLVE_NO_XDEV makes a write fail
// when anything is mounted over the target (CVE-2025-52881) instead of landing in that mount.
Result<> write_sysctls(const std::map<std::string, std::string>& sysctls, int proc_fd) {
    if (sysctls.empty()) return {};
    UniqueFd private_proc;
    if (proc_fd < 0) {
        private_proc = STRATA_TRY(sys::fs_mount("proc", "proc", {}, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC));
        proc_fd = private_proc.get();
    }
    for (const auto& [key, value] : sysctls) {
        std::string path = "sys/" + key;
        for (auto& c : path)
            if (c == '.') c = '/';
        auto fd = sys::openat2(proc_fd, path, O_WRONLY, RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS);
        if (!fd) return os_error(fd.error().code, "sysctl " + quote(key) + ": open /proc/" + path);
        if (::write(fd->get(), value.data(), value.size()) < 0)
            return os_error(errno, "sysctl " + quote(key) + " = " + quote(value));
    }
    return {};
}

Result<> write_oom_score_adj(int value) {
    std::string text = std::to_string(value);
    auto r = sys::write_file("/proc/self/oom_score_adj", text);
    if (!r) return os_error(r.error().code, "set oom_score_adj to " + text + (r.error().code == EACCES ? " (lowering it needs CAP_SYS_RESOURCE)" : ""));
    return {};
}

// linux.memoryPolicy: set_mempolicy(2) (no libnuma), inherited by the container's process.
Result<> apply_memory_policy(const spec::MemoryPolicy& m) {
    int mode = *spec::mempolicy_mode(m.mode);  // validated at parse
    for (const auto& f : m.flags) mode |= *spec::mempolicy_flag(f);
    std::vector<unsigned long> mask;
    const std::vector<int> nodes = spec::parse_node_list(m.nodes).value_or(std::vector<int>{});
    for (int node : nodes) {
        size_t word = static_cast<size_t>(node) / (8 * sizeof(unsigned long));
        if (mask.size() <= word) mask.resize(word + 1);
        mask[word] |= 1UL << (static_cast<size_t>(node) % (8 * sizeof(unsigned long)));
    }
    // maxnode counts one more bit than the mask holds (set_mempolicy(2), BUGS).
    unsigned long maxnode = mask.empty() ? 0 : mask.size() * 8 * sizeof(unsigned long) + 1;
    if (::syscall(SYS_set_mempolicy, mode, mask.empty() ? nullptr : mask.data(), maxnode) < 0)
        return os_error(errno, ".linux.memoryPolicy: set_mempolicy " + m.mode + (m.nodes.empty() ? "" : " nodes " + m.nodes));
    return {};
}

// A pty in the container's devpts, its slave bound to /dev/console by fd (a path could be
// swapped for a symlink: CVE-2025-52565), the master sent to whoever holds the console socket.
Result<> setup_console(InitContext& ctx, int root) {
    const auto& proc = *ctx.spec->process;
    Pty pty = STRATA_TRY(with_context(open_pty(root, "/dev/ptmx", proc.console_size), "terminal"));
    UniqueFd console = STRATA_TRY(rootfs::create_in_root(root, "/dev/console", rootfs::Kind::file));
    UniqueFd tree = STRATA_TRY(sys::clone_tree(pty.slave.get(), "", false, "the pty as /dev/console"));
    STRATA_TRY(sys::attach_mount(tree.get(), console.get(), "/dev/console"));
    STRATA_TRY(send_master(ctx.console_fd, pty));
    ::close(ctx.console_fd);
    ctx.console_fd = -1;
    return make_controlling(pty.slave.get());
}

// Hooks before the root changes: prestart and createRuntime run by the parent in the runtime's
// namespaces; createContainer here, in the container's, with the host's paths still visible.
Result<> run_create_hooks(InitContext& ctx) {
    const auto& hooks = ctx.spec->hooks;
    if (!hooks.prestart.empty() || !hooks.create_runtime.empty()) {
        STRATA_TRY(sync::send(ctx.sync_fd, sync::kHooks));
        STRATA_TRY(sync::expect(ctx.sync_fd, sync::kContinue, "the createRuntime hooks ran"));
    }
    if (!hooks.create_container.empty())
        STRATA_TRY(run_hooks(hooks.create_container, nlohmann::json::parse(ctx.hook_state), "createContainer"));
    return {};
}

// A config without a mount namespace (valid, rare): the container runs in the caller's mount
// namespace, chrooted to its rootfs, as with runc and crun. strata makes no mount there: one
// would be the host's and outlive the container. mounts, devices, maskedPaths and
// readonlyPaths are skipped with a warning (root.readonly is refused by create).
Result<> setup_without_mount_namespace(InitContext& ctx) {
    const spec::Spec& spec = *ctx.spec;
    const spec::Process& proc = *spec.process;
    const spec::Linux empty;
    const spec::Linux& lx = spec.linux ? *spec.linux : empty;
    std::vector<std::string> skipped;
    if (!ctx.mounts->empty()) skipped.push_back(std::to_string(ctx.mounts->size()) + " mounts");
    if (!lx.devices.empty()) skipped.push_back("linux.devices");
    if (!lx.masked_paths.empty()) skipped.push_back("linux.maskedPaths");
    if (!lx.readonly_paths.empty()) skipped.push_back("linux.readonlyPaths");
    if (!skipped.empty())
        log::warn("no mount namespace: the container shares the host's mounts; " + join(skipped, ", ") +
                  " not applied (they would be mounts of the host's namespace)");
    STRATA_TRY(write_sysctls(lx.sysctl, -1));
    if (proc.terminal) {
        // No /dev/console bind (a mount): the pty comes from the host's devpts.
        Pty pty = STRATA_TRY(with_context(open_pty(AT_FDCWD, "/dev/ptmx", proc.console_size), "terminal"));
        STRATA_TRY(send_master(ctx.console_fd, pty));
        ::close(ctx.console_fd);
        ctx.console_fd = -1;
        STRATA_TRY(make_controlling(pty.slave.get()));
    }
    if (proc.oom_score_adj) STRATA_TRY(write_oom_score_adj(*proc.oom_score_adj));
    STRATA_TRY(security::apply_rlimits(proc.rlimits));
    if (lx.memory_policy) STRATA_TRY(apply_memory_policy(*lx.memory_policy));
    STRATA_TRY(run_create_hooks(ctx));
    UniqueFd root = STRATA_TRY(sys::open(ctx.rootfs, O_PATH | O_DIRECTORY));
    if (::fchdir(root.get()) < 0) return os_error(errno, "chdir to rootfs");
    if (::chroot(".") < 0) return os_error(errno, "chroot to rootfs");
    if (::chdir("/") < 0) return os_error(errno, "chdir to /");
    return {};
}

}  // namespace

Result<> become_root_in_user_namespace() {
    if (::syscall(SYS_setresgid, 0, 0, 0) < 0) return os_error(errno, "setgid 0 in the user namespace");
    if (::syscall(SYS_setresuid, 0, 0, 0) < 0) return os_error(errno, "setuid 0 in the user namespace");
    return {};
}

Result<> setup_container(InitContext& ctx) {
    const spec::Spec& spec = *ctx.spec;
    const spec::Process& proc = *spec.process;
    const ns::Plan& nsp = *ctx.namespaces;
    const spec::Linux empty;
    const spec::Linux& lx = spec.linux ? *spec.linux : empty;

    if (!ctx.two_stage_child) {
        if (nsp.creates(CLONE_NEWUSER)) STRATA_TRY(become_root_in_user_namespace());
        STRATA_TRY(ns::join(nsp, CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWTIME));
    }
    // A cgroup namespace made now has the container's cgroup (joined by the parent) as its root.
    if (nsp.creates(CLONE_NEWCGROUP)) STRATA_TRY(with_context(sys::unshare(CLONE_NEWCGROUP), "cgroup namespace"));
    if (nsp.creates(CLONE_NEWNET)) STRATA_TRY(ns::loopback_up());
    if (!spec.hostname.empty() && ::sethostname(spec.hostname.data(), spec.hostname.size()) < 0)
        return os_error(errno, "set hostname " + quote(spec.hostname));
    if (!spec.domainname.empty() && ::setdomainname(spec.domainname.data(), spec.domainname.size()) < 0)
        return os_error(errno, "set domainname " + quote(spec.domainname));

    if (!nsp.creates(CLONE_NEWNS) && !nsp.joined(CLONE_NEWNS)) return setup_without_mount_namespace(ctx);

    rootfs::Options ro;
    ro.rootfs = ctx.rootfs;
    ro.userns = nsp.creates(CLONE_NEWUSER) || nsp.joined(CLONE_NEWUSER);
    ro.new_cgroupns = nsp.creates(CLONE_NEWCGROUP);
    ro.no_pivot = ctx.opts->no_pivot;
    ro.readonly = spec.root.readonly;
    ro.propagation = lx.rootfs_propagation;
    rootfs::Rootfs fs = STRATA_TRY(rootfs::Rootfs::prepare(ro));
    STRATA_TRY(fs.mount_all(*ctx.mounts));
    STRATA_TRY(write_sysctls(lx.sysctl, fs.proc_fd()));
    STRATA_TRY(fs.create_devices(lx.devices));
    if (proc.terminal) STRATA_TRY(setup_console(ctx, fs.root_fd()));
    // Read-only first, masks on top (runc's order): a mask must stay a separate mount, untouched
    // by the read-only bind over its parent.
    STRATA_TRY(fs.readonly_paths(lx.readonly_paths));
    STRATA_TRY(fs.mask_paths(lx.masked_paths));
    if (proc.oom_score_adj) STRATA_TRY(write_oom_score_adj(*proc.oom_score_adj));
    STRATA_TRY(security::apply_rlimits(proc.rlimits));
    if (lx.memory_policy) STRATA_TRY(apply_memory_policy(*lx.memory_policy));
    STRATA_TRY(run_create_hooks(ctx));
    return fs.enter();
}

}  // namespace strata::runtime
