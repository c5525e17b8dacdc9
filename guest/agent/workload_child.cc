// The workload's side between clone and exec, inside its namespaces in the guest. The agent is
// single-threaded when it clones, so this may allocate. Order: stdio, hostname, loopback, mounts
// under the new root, devices, masks, a read-only root, switch root, process attributes,
// 'ready', wait for 'go', startContainer hooks, credentials and seccomp, exec.

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <climits>
#include <cstring>

#include "agent/confine.h"
#include "agent/share.h"
#include "agent/timeline.h"
#include "agent/terminal.h"
#include "agent/workload.h"
#include "base/strings.h"
#include "security/rlimits.h"
#include "sys/exec_path.h"
#include "sys/file.h"
#include "sys/mount.h"
#include "sys/ns.h"
#include "sys/process.h"
#include "sys/run_hook.h"
#include "sys/socket.h"

namespace strata::agent {
namespace {


[[noreturn]] void report_and_exit(int sync, const Error& e) {
    std::string msg(1, kChildError);
    int32_t code = e.code;
    msg.append(reinterpret_cast<const char*>(&code), 4);
    msg += e.context;
    (void)sys::send_msg(sync, msg);
    ::_exit(127);
}

// The child's root (ChildContext::root), set first thing in the child.
std::string g_root = kWorkloadRoot;

std::string inside(const std::string& path) { return g_root + path; }

// The OCI mounts, as the host planned them (spec_codec.h), in config.json's order. Filesystems
// with classic mount(2), not fsopen/fsmount as on the host: inside the guest nothing can race us
// for the target, and mount(2)'s kernel path is the one the agent's own mounts already ran (under
// emulation each new code path costs its translation; the first fsmount cost ~10 ms). Host bind
// mounts come from the file share (share.h).
Result<> apply_mounts(const std::vector<vm::agent::GuestMount>& mounts) {
    for (const auto& m : mounts) {
        if (m.fstype.empty() && (m.flags & MS_BIND)) {
            STRATA_TRY(bind_from_share(m, g_root.c_str()));
            continue;
        }
        std::string target = inside(m.destination);
        STRATA_TRY(sys::mkdir_all(target, 0755));
        if (::mount(m.source.c_str(), target.c_str(), m.fstype.c_str(), m.flags, m.data.empty() ? nullptr : m.data.c_str()) < 0)
            return os_error(errno, "mount " + m.fstype + " at " + m.destination);
    }
    return {};
}

Result<> make_node(const std::string& path, mode_t type, mode_t perm, int64_t major, int64_t minor) {
    if (::mknod(path.c_str(), type | perm, makedev(major, minor)) < 0 && errno != EEXIST)
        return os_error(errno, "mknod " + path);
    ::chmod(path.c_str(), perm);  // the umask must not narrow the requested mode
    return {};
}

// The device nodes every OCI container has (a tmpfs /dev starts empty) and linux.devices.
Result<> create_devices(const spec::Spec& spec) {
    struct Node { const char* name; int64_t major, minor; };
    static constexpr Node kDefault[] = {{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7},
                                        {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};
    std::string dev = inside("/dev");
    if (!sys::exists(dev)) return {};
    for (const auto& n : kDefault) STRATA_TRY(make_node(dev + "/" + n.name, S_IFCHR, 0666, n.major, n.minor));
    static constexpr const char* kLinks[][2] = {{"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"},
                                                {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"},
                                                {"pts/ptmx", "ptmx"}};
    for (const auto& l : kLinks)
        if (::symlink(l[0], (dev + "/" + l[1]).c_str()) < 0 && errno != EEXIST)
            return os_error(errno, std::string("symlink /dev/") + l[1]);
    if (!spec.linux) return {};
    for (const auto& d : spec.linux->devices) {
        mode_t type = d.type == "b" ? S_IFBLK : d.type == "p" ? S_IFIFO : S_IFCHR;
        std::string path = inside(d.path);
        STRATA_TRY(sys::mkdir_all(sys::dirname(path), 0755));
        STRATA_TRY(make_node(path, type, d.file_mode.value_or(0666) & 07777, d.major, d.minor));
        if (d.uid || d.gid) ::chown(path.c_str(), d.uid.value_or(0), d.gid.value_or(0));
    }
    return {};
}

Result<> write_sysctls(const spec::Spec& spec) {
    if (!spec.linux) return {};
    for (const auto& [key, value] : spec.linux->sysctl) {
        std::string path = "/proc/sys/" + key;
        for (size_t i = 10; i < path.size(); ++i)
            if (path[i] == '.') path[i] = '/';
        STRATA_TRY(with_context(sys::write_file(inside(path), value), "sysctl " + quote(key)));
    }
    return {};
}

// maskedPaths: /dev/null over files, an empty read-only tmpfs over directories.
// readonlyPaths: a read-only bind of the path onto itself. Missing paths are fine (runc).
Result<> mask_and_protect(const spec::Spec& spec) {
    if (!spec.linux) return {};
    for (const auto& p : spec.linux->masked_paths) {
        struct stat st{};
        std::string target = inside(p);
        if (::lstat(target.c_str(), &st) < 0) continue;
        if (S_ISDIR(st.st_mode)) {
            if (::mount("tmpfs", target.c_str(), "tmpfs", MS_RDONLY, "size=0") < 0)
                return os_error(errno, "mask " + p);
        } else if (::mount("/dev/null", target.c_str(), nullptr, MS_BIND, nullptr) < 0) {
            return os_error(errno, "mask " + p);
        }
    }
    for (const auto& p : spec.linux->readonly_paths) {
        std::string target = inside(p);
        if (::access(target.c_str(), F_OK) < 0) continue;
        if (::mount(target.c_str(), target.c_str(), nullptr, MS_BIND | MS_REC, nullptr) < 0 ||
            ::mount(nullptr, target.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_REC, nullptr) < 0)
            return os_error(errno, "make " + p + " read-only");
    }
    return {};
}

// pivot_root cannot leave an initramfs (the kernel refuses to pivot its rootfs), so the new root
// is moved over "/" and chroot'ed into, as switch_root does. The agent's initramfs stays
// underneath; it holds nothing of the host's.
Result<> switch_root() {
    if (::chdir(g_root.c_str()) < 0) return os_error(errno, "chdir " + g_root);
    if (::mount(".", "/", nullptr, MS_MOVE, nullptr) < 0) return os_error(errno, "move the workload's root to /");
    if (::chroot(".") < 0) return os_error(errno, "chroot to the workload's root");
    if (::chdir("/") < 0) return os_error(errno, "chdir /");
    return {};
}

struct Prepared {
    std::string executable;
    std::vector<std::string> env;
};

Result<Prepared> setup(const ChildContext& ctx) {
    const spec::Spec& spec = ctx.guest->spec;
    const spec::Process& proc = *spec.process;
    for (int i = 0; ctx.terminal < 0 && i < 3; ++i)
        if (::dup2(ctx.stdio[i], i) < 0) return os_error(errno, "set up the workload's stdio");
    // A pod's namespaces first: its hostname, IPC objects and mqueue are those it joins.
    for (auto [fd, type] : ctx.joins) STRATA_TRY(sys::setns(fd, type, "the pod's namespace (" + std::to_string(type) + ")"));
    if (ctx.new_uts && !spec.hostname.empty() && ::sethostname(spec.hostname.data(), spec.hostname.size()) < 0)
        return os_error(errno, "set hostname " + quote(spec.hostname));
    if (ctx.new_uts && !spec.domainname.empty() && ::setdomainname(spec.domainname.data(), spec.domainname.size()) < 0)
        return os_error(errno, "set domainname " + quote(spec.domainname));
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0)
        return os_error(errno, "make the workload's mounts private");
    if (!ctx.root_source.empty()) {
        STRATA_TRY(sys::mkdir_all(ctx.root, 0755));
        if (::mount(ctx.root_source.c_str(), ctx.root.c_str(), nullptr, MS_BIND | MS_REC, nullptr) < 0)
            return os_error(errno, "bind the container's root from the share (" + ctx.root_source + ")");
    }
    STRATA_TRY(apply_mounts(ctx.guest->mounts));
    mark("c.mounts");
    STRATA_TRY(create_devices(spec));
    STRATA_TRY(write_sysctls(spec));
    STRATA_TRY(mask_and_protect(spec));
    // Last, as runc does: the mount points above were made in the still-writable root.
    if (spec.root.readonly && ::mount(nullptr, g_root.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) < 0)
        return os_error(errno, "make the root read-only (root.readonly)");
    mark("c.masks");
    STRATA_TRY(switch_root());
    mark("c.root");
    // In the container's own devpts, as a container's init makes its pty.
    if (ctx.terminal >= 0) STRATA_TRY(open_terminal(proc, ctx.terminal));
    if (proc.oom_score_adj)
        STRATA_TRY(sys::write_file("/proc/self/oom_score_adj", std::to_string(*proc.oom_score_adj)));
    STRATA_TRY(security::apply_rlimits(proc.rlimits));

    Prepared p;
    p.env = proc.env;
    if (!sys::env_lookup(p.env, "HOME")) p.env.push_back("HOME=" + sys::home_of(proc.user.uid));
    p.executable = STRATA_TRY(sys::find_executable(proc.args[0], p.env));
    if (::chdir(proc.cwd.c_str()) < 0) return os_error(errno, "chdir to cwd " + quote(proc.cwd));
    mark("c.exe");
    return p;
}


}  // namespace

void run_child(const ChildContext& ctx) {
    g_root = ctx.root;
    auto prepared = setup(ctx);
    if (!prepared) report_and_exit(ctx.sync, prepared.error());
    if (ctx.wait_for_go) {
        if (!sys::send_msg(ctx.sync, std::string(1, kChildReady))) ::_exit(127);
        auto go = sys::recv_msg(ctx.sync, 16);
        if (!go || go->eof || go->data != std::string(1, kChildGo)) ::_exit(127);
    }
    const vm::agent::GuestSpec& g = *ctx.guest;
    // startContainer: in the container's namespaces, paths in its root, as part of start.
    const auto& start_hooks = g.spec.hooks.start_container;
    for (size_t i = 0; i < start_hooks.size(); ++i) {
        const auto& h = start_hooks[i];
        auto ran = sys::run_hook(h.path, h.args, h.env, h.timeout, g.hook_state,
                                 "startContainer hook " + std::to_string(i) + " (" + h.path + ")");
        if (!ran) report_and_exit(ctx.sync, ran.error());
    }
    auto r = confine_and_exec(*g.spec.process, g.caps, g.seccomp ? &*g.seccomp : nullptr, prepared->executable, prepared->env);
    report_and_exit(ctx.sync, r.error());
}

}  // namespace strata::agent
