#include "runtime/launch.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>

#include <nlohmann/json.hpp>

#include "base/log.h"
#include "base/strings.h"
#include "runtime/sync.h"
#include "security/identity.h"
#include "security/lsm.h"
#include "security/process_attrs.h"
#include "security/user.h"
#include "sys/exec_path.h"
#include "sys/file.h"
#include "sys/process.h"
#include "sys/signals.h"
#include "sys/socket.h"

namespace strata::runtime {
namespace {

// Preserved fds (3 .. 3+n-1) stay open; everything of strata's own is closed at exec.
Result<> pass_fds(int preserve_fds) {
    STRATA_TRY(sys::cloexec_from(3 + preserve_fds));
    for (int fd = 3; fd < 3 + preserve_fds; ++fd) ::fcntl(fd, F_SETFD, 0);
    return {};
}

// Loads the seccomp filter. A notify fd goes at once to whoever said 'go' (`start`, `run` or
// `exec` itself), which passes it on to the agent at listenerPath: this process has left the
// host's paths behind. Nothing runs between the load and that sendmsg, not even an allocation:
// a syscall the filter sends to the agent would wait forever for an agent without the fd.
Result<> load_seccomp(const security::seccomp::Program& prog, int reply_fd) {
    std::string msg;
    if (prog.notifies())
        msg = sync::encode(sync::kSeccomp, nlohmann::json{{"listenerPath", prog.listener_path},
                                                          {"listenerMetadata", prog.listener_metadata}}.dump());
    auto loaded = security::seccomp::load(prog);
    if (!loaded) return wrap(loaded.error(), "seccomp");
    UniqueFd notify = std::move(*loaded);
    if (!notify) return {};
    const int fds[] = {notify.get()};
    STRATA_TRY(sys::send_msg(reply_fd, msg, fds));
    notify.reset();
    STRATA_TRY(sync::expect(reply_fd, sync::kAck, "the seccomp agent got the notify fd"));
    return {};
}

}  // namespace

Result<Launch> prepare_in_container(const spec::Process& proc, int preserve_fds) {
    Launch l;
    l.preserve_fds = preserve_fds;
    l.env = proc.env;
    if (!sys::env_lookup(l.env, "HOME")) l.env.push_back("HOME=" + sys::home_of(proc.user.uid));
    l.executable = STRATA_TRY(sys::find_executable(proc.args[0], l.env));
    // The cwd is resolved refusing magic links: /proc/self/fd/N would otherwise lead to whatever
    // strata itself still has open (CVE-2024-21626).
    auto cwd_fd = sys::openat2(AT_FDCWD, proc.cwd, O_PATH | O_DIRECTORY, RESOLVE_NO_MAGICLINKS);
    if (!cwd_fd) return os_error(cwd_fd.error().code, "cwd " + quote(proc.cwd));
    if (::fchdir(cwd_fd->get()) < 0) return os_error(errno, "chdir to cwd " + quote(proc.cwd));
    // A cwd outside the container's root reads as "(unreachable)/...".
    char cwd[PATH_MAX];
    if (!::getcwd(cwd, sizeof cwd) || cwd[0] != '/')
        return os_error(EPERM, "cwd " + quote(proc.cwd) + " is outside the container");
    if (!security::ExecGuard::disabled()) l.guard = STRATA_TRY(security::ExecGuard::create());
    return l;
}

Result<Launch> prepare_bare(const spec::Process& proc, const std::string& rootfs, int preserve_fds) {
    Launch l;
    l.preserve_fds = preserve_fds;
    l.env = proc.env;
    if (!sys::env_lookup(l.env, "HOME")) l.env.push_back("HOME=/");
    l.executable = STRATA_TRY(sys::find_executable(proc.args[0], l.env, rootfs));
    std::string cwd = rootfs + proc.cwd;
    if (::chdir(cwd.c_str()) < 0) return os_error(errno, "chdir to cwd " + quote(cwd));
    return l;
}

Result<> confine_and_exec(const spec::Process& proc, const Confinement& c, Launch& launch) {
    const security::seccomp::Program* seccomp = c.seccomp;
    int reply_fd = c.reply_fd;
    // Attributes a real-time policy or a profile change may need privileges for, while they last.
    if (proc.scheduler) STRATA_TRY(security::apply_scheduler(*proc.scheduler));
    if (proc.io_priority) STRATA_TRY(security::apply_io_priority(*proc.io_priority));
    if (c.personality) STRATA_TRY(security::apply_personality(*c.personality));
    STRATA_TRY(security::apply_exec_labels(proc));
    // Loading a filter needs no_new_privs or CAP_SYS_ADMIN. Without no_new_privs it therefore goes
    // in first, while every capability is still there (runc does the same); the profile must then
    // allow what strata calls until the exec: prctl, capset, setgroups, setresgid, setresuid,
    // rt_sigaction, rt_sigprocmask, execveat or execve. strata's fds are marked close-on-exec
    // before that filter goes in: profiles written before Linux 5.9 (older Docker, containerd
    // and Kubernetes RuntimeDefault ones) have no close_range.
    const bool seccomp_first = seccomp && !proc.no_new_privileges;
    if (seccomp_first) {
        STRATA_TRY(pass_fds(launch.preserve_fds));
        STRATA_TRY(load_seccomp(*seccomp, reply_fd));
    }
    std::vector<std::string> skipped;
    STRATA_TRY(security::assume_identity(proc, &skipped));
    for (const auto& s : skipped) log::warn("capability " + s + " is not known to this kernel; skipped");
    sys::reset_signal_state();
    if (!seccomp_first) STRATA_TRY(pass_fds(launch.preserve_fds));
    if (seccomp && !seccomp_first) STRATA_TRY(load_seccomp(*seccomp, reply_fd));
    if (launch.guard) return launch.guard->exec(launch.executable, proc.args, launch.env);
    return security::exec_direct(launch.executable, proc.args, launch.env);
}

Result<> exec_bare(const spec::Process& proc, Launch& launch) {
    sys::reset_signal_state();
    if (proc.user.uid != 0 || proc.user.gid != 0 || !proc.user.additional_gids.empty())
        STRATA_TRY(security::switch_user(proc.user));
    else if (proc.user.umask)
        ::umask(static_cast<mode_t>(*proc.user.umask));
    if (proc.no_new_privileges) STRATA_TRY(sys::set_no_new_privs());
    STRATA_TRY(pass_fds(launch.preserve_fds));
    return security::exec_direct(launch.executable, proc.args, launch.env);
}

}  // namespace strata::runtime
