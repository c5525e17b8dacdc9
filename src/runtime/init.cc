// The container's init: the steps between clone and exec, in the order the kernel requires.
// strata is single-threaded when it clones, so this process may allocate like any other; what it
// may not do is trust anything inside the rootfs (every path there is resolved through an fd).

#include "runtime/init.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>
#include <cstring>

#include "base/log.h"
#include "base/strings.h"
#include "rootfs/rootfs.h"
#include "runtime/init_channel.h"
#include "runtime/sync.h"
#include "runtime/vm_init.h"
#include "security/caps.h"
#include "security/exec_guard.h"
#include "security/rlimits.h"
#include "security/user.h"
#include "sys/file.h"
#include "sys/mount.h"
#include "sys/ns.h"
#include "sys/process.h"
#include "sys/socket.h"

namespace strata::runtime {
namespace {

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

std::string env_value(const std::vector<std::string>& env, std::string_view key) {
    for (const auto& e : env)
        if (e.size() > key.size() && e.compare(0, key.size(), key) == 0 && e[key.size()] == '=')
            return e.substr(key.size() + 1);
    return {};
}

bool env_has(const std::vector<std::string>& env, std::string_view key) {
    for (const auto& e : env)
        if (e.size() > key.size() && e.compare(0, key.size(), key) == 0 && e[key.size()] == '=') return true;
    return false;
}

// HOME from the container's /etc/passwd when the config does not set it, as runc does.
std::string home_of(uint32_t uid) {
    auto text = sys::read_file("/etc/passwd");
    if (text)
        for (const auto& line : split(*text, '\n')) {
            auto f = split(line, ':');
            if (f.size() >= 6 && parse_uint(f[2]) == uid && !f[5].empty()) return f[5];
        }
    return "/";
}

Result<> become_root_in_user_namespace() {
    if (::syscall(SYS_setresgid, 0, 0, 0) < 0) return os_error(errno, "setgid 0 in the user namespace");
    if (::syscall(SYS_setresuid, 0, 0, 0) < 0) return os_error(errno, "setuid 0 in the user namespace");
    return {};
}

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

// The process starts with default signal handling and an empty mask whatever strata's caller
// had (exec keeps ignored signals and the mask).
void reset_signals() {
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig = 1; sig < NSIG; ++sig)
        if (sig != SIGKILL && sig != SIGSTOP) ::signal(sig, SIG_DFL);
}

// What the init has prepared for the final exec.
struct Prepared {
    std::string executable;
    std::vector<std::string> env;
    std::optional<security::ExecGuard> guard;
};

Result<> setup(InitContext& ctx, Prepared& out) {
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
    STRATA_TRY(fs.mask_paths(lx.masked_paths));
    STRATA_TRY(fs.readonly_paths(lx.readonly_paths));
    if (proc.oom_score_adj) STRATA_TRY(write_oom_score_adj(*proc.oom_score_adj));
    STRATA_TRY(security::apply_rlimits(proc.rlimits));
    STRATA_TRY(fs.enter());

    out.env = proc.env;
    if (!env_has(out.env, "HOME")) out.env.push_back("HOME=" + home_of(proc.user.uid));
    out.executable = STRATA_TRY(find_executable(proc.args[0], out.env));

    // The cwd is resolved refusing magic links: /proc/self/fd/N would otherwise lead to
    // whatever strata itself still has open (CVE-2024-21626).
    auto cwd_fd = sys::openat2(AT_FDCWD, proc.cwd, O_PATH | O_DIRECTORY, RESOLVE_NO_MAGICLINKS);
    if (!cwd_fd) return os_error(cwd_fd.error().code, "cwd " + quote(proc.cwd));
    if (::fchdir(cwd_fd->get()) < 0) return os_error(errno, "chdir to cwd " + quote(proc.cwd));
    // A cwd reached through a leaked host fd (/proc/self/fd/N) is outside the container's root;
    // getcwd then reports "(unreachable)" (CVE-2024-21626).
    char cwd[PATH_MAX];
    if (!::getcwd(cwd, sizeof cwd) || cwd[0] != '/')
        return os_error(EPERM, "cwd " + quote(proc.cwd) + " is outside the container");

    if (!security::ExecGuard::disabled()) out.guard = STRATA_TRY(security::ExecGuard::create());
    return {};
}

// Bare mode: no namespaces, no pivot_root. The bundle's rootfs supplies the program and the
// working directory; the process sees the host's filesystem, keeps the caller's privileges
// (minus what process.user asks to drop) and runs under the cgroup limits only.
Result<> setup_bare(InitContext& ctx, Prepared& out) {
    const spec::Process& proc = *ctx.spec->process;
    STRATA_TRY(security::apply_rlimits(proc.rlimits));
    out.env = proc.env;
    if (!env_has(out.env, "HOME")) out.env.push_back("HOME=/");
    out.executable = STRATA_TRY(find_executable(proc.args[0], out.env, ctx.rootfs));
    std::string cwd = ctx.rootfs + proc.cwd;
    if (::chdir(cwd.c_str()) < 0) return os_error(errno, "chdir to cwd " + quote(cwd));
    return {};
}

Result<> finish_bare_and_exec(const spec::Process& proc, Prepared& prep) {
    reset_signals();
    if (proc.user.uid != 0 || proc.user.gid != 0 || !proc.user.additional_gids.empty())
        STRATA_TRY(security::switch_user(proc.user));
    else if (proc.user.umask)
        ::umask(static_cast<mode_t>(*proc.user.umask));
    if (proc.no_new_privileges) STRATA_TRY(sys::set_no_new_privs());
    return security::exec_direct(prep.executable, proc.args, prep.env);
}

// After 'go': the irreversible steps, then exec. The filter comes last, so it confines the
// process and not the runtime.
Result<> finish_and_exec(InitContext& ctx, Prepared& prep) {
    const spec::Process& proc = *ctx.spec->process;
    int last_cap = security::kernel_last_cap();
    security::CapSets caps;
    if (proc.capabilities) {
        std::vector<std::string> skipped;
        caps = STRATA_TRY(security::resolve(*proc.capabilities, last_cap, &skipped));
        for (const auto& s : skipped) log::warn("capability " + s + " is not known to this kernel; skipped");
    }
    STRATA_TRY(security::apply_bounding(caps.bounding, last_cap));
    STRATA_TRY(security::keep_caps(true));
    STRATA_TRY(security::switch_user(proc.user));
    STRATA_TRY(security::keep_caps(false));
    STRATA_TRY(security::apply(caps, last_cap));
    if (proc.no_new_privileges) STRATA_TRY(sys::set_no_new_privs());
    reset_signals();
    // Preserved fds (3 .. 3+n-1) stay open; everything of strata's own is closed at exec.
    STRATA_TRY(sys::cloexec_from(3 + ctx.opts->preserve_fds));
    for (int fd = 3; fd < 3 + ctx.opts->preserve_fds; ++fd) ::fcntl(fd, F_SETFD, 0);
    if (prep.guard) return prep.guard->exec(prep.executable, proc.args, prep.env);
    return security::exec_direct(prep.executable, proc.args, prep.env);
}

// The state directory's fd carries the parent's flock (locks belong to the open file, which
// the clone shares): keeping it would block every later command on this container.
void drop_parent_fds(InitContext& ctx) {
    if (ctx.state_dir_fd >= 0) ::close(ctx.state_dir_fd);
    ctx.state_dir_fd = -1;
}

[[noreturn]] void fail(int fd, const Error& e) {
    (void)sync::send_error(fd, e);
    ::_exit(1);
}

}  // namespace

Result<std::string> find_executable(const std::string& name, const std::vector<std::string>& env,
                                    const std::string& prefix) {
    auto usable = [&](const std::string& p) -> int {
        struct stat st{};
        if (::stat((prefix + p).c_str(), &st) < 0) return errno;
        if (S_ISDIR(st.st_mode)) return EISDIR;
        if (!(st.st_mode & 0111)) return EACCES;
        return 0;
    };
    if (name.find('/') != std::string::npos) {
        int err = usable(name);
        if (err) return os_error(err, "exec " + quote(name));
        return prefix + name;
    }
    std::string path = env_value(env, "PATH");
    if (!env_has(env, "PATH")) path = kDefaultPath;
    for (const auto& dir : split(path, ':')) {
        std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
        if (usable(candidate) == 0) return prefix + candidate;
    }
    return os_error(ENOENT, "exec " + quote(name) + ": executable file not found in $PATH");
}

void run_stage1(InitContext& ctx) {
    drop_parent_fds(ctx);
    const ns::Plan& nsp = *ctx.namespaces;
    auto step = [&]() -> Result<pid_t> {
        STRATA_TRY(ns::join(nsp, CLONE_NEWUSER));
        STRATA_TRY(ns::join(nsp, CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWTIME));
        if (nsp.creates(CLONE_NEWUSER)) {
            STRATA_TRY(with_context(sys::unshare(CLONE_NEWUSER), "user namespace"));
            STRATA_TRY(sync::send(ctx.sync_fd, sync::kUserns));
        }
        STRATA_TRY(sync::expect(ctx.sync_fd, sync::kContinue, "the parent continued"));
        if (nsp.creates(CLONE_NEWUSER) || nsp.joined(CLONE_NEWUSER)) STRATA_TRY(become_root_in_user_namespace());
        int rest = nsp.create & (CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNS);
        if (rest) STRATA_TRY(with_context(sys::unshare(rest), "namespaces"));
        sys::CloneArgs ca;
        ca.flags = CLONE_PARENT | (nsp.creates(CLONE_NEWPID) ? CLONE_NEWPID : 0);
        ca.exit_signal = SIGCHLD;
        auto child = STRATA_TRY(sys::clone3(ca));
        return child.pid;
    };
    auto pid = step();
    if (!pid) fail(ctx.sync_fd, pid.error());
    if (*pid == 0) {
        ctx.two_stage_child = true;
        run_init(ctx);
    }
    (void)sync::send(ctx.sync_fd, sync::kPid, std::to_string(*pid));
    ::_exit(0);
}

void run_init(InitContext& ctx) {
    drop_parent_fds(ctx);
    (void)sys::set_name("strata:init");
    InitChannel channel(ctx.sync_fd, ctx.listener_fd);
    // The parent writes the id maps and joins the cgroup first (for stage 2: after it learnt its
    // pid). If the parent is gone there is nobody left to report to.
    if (!channel.wait_continue()) ::_exit(1);
    if (ctx.substrate == Substrate::vm) run_vm_monitor(ctx, channel);
    Prepared prep;
    auto prepared = ctx.substrate == Substrate::bare ? setup_bare(ctx, prep) : setup(ctx, prep);
    if (!prepared) channel.fail(prepared.error());
    if (!channel.ready()) ::_exit(1);
    if (!channel.wait_for_go()) ::_exit(1);
    auto r = ctx.substrate == Substrate::bare ? finish_bare_and_exec(*ctx.spec->process, prep)
                                              : finish_and_exec(ctx, prep);
    channel.fail(r.error());
}

}  // namespace strata::runtime
