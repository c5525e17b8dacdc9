#include "runtime/exec.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include "base/log.h"
#include "base/scope_exit.h"
#include "base/fault.h"
#include "base/strings.h"
#include "cgroup/manager.h"
#include "runtime/container_dir.h"
#include "runtime/create.h"
#include "runtime/exec_wait.h"
#include "runtime/exec_vm.h"
#include "runtime/launch.h"
#include "runtime/lifecycle.h"
#include "runtime/sync.h"
#include "runtime/terminal.h"
#include "security/rlimits.h"
#include "security/user.h"
#include "security/seccomp/cache.h"
#include "spec/parse.h"
#include "spec/tables.h"
#include "sys/file.h"
#include "sys/ns.h"
#include "sys/process.h"
#include "sys/socket.h"

namespace strata::runtime {
namespace {

void set_env(std::vector<std::string>& env, const std::string& kv) {
    auto key = kv.substr(0, kv.find('='));
    for (auto& e : env)
        if (e.compare(0, key.size() + 1, key + "=") == 0) {
            e = kv;
            return;
        }
    env.push_back(kv);
}

// The process to run: --process as given, or the container's process with the flags applied.
Result<spec::Process> build_process(const ExecOptions& o, const spec::Spec& spec) {
    if (!o.process_file.empty()) {
        std::string text = STRATA_TRY(sys::read_file(o.process_file));
        return spec::parse_process(text, o.process_file);
    }
    if (o.args.empty()) return error("exec: no command given (and no --process)");
    spec::Process p = *spec.process;
    p.args = o.args;
    p.terminal = o.tty;
    p.console_size.reset();
    for (const auto& e : o.env) {
        if (e.find('=') == std::string::npos) return error("--env " + quote(e) + ": must be KEY=VALUE");
        set_env(p.env, e);
    }
    if (!o.cwd.empty()) p.cwd = o.cwd;
    if (o.no_new_privs) p.no_new_privileges = true;
    if (!o.additional_gids.empty()) p.user.additional_gids = o.additional_gids;
    if (!o.caps.empty()) {
        if (!p.capabilities) p.capabilities.emplace();
        for (const auto& c : o.caps) {
            if (!spec::capability_number(c)) return error("--cap: unknown capability " + quote(c));
            p.capabilities->bounding.push_back(c);
            p.capabilities->effective.push_back(c);
            p.capabilities->permitted.push_back(c);
            // Inheritable stays as configured (CVE-2022-29162); ambient needs it.
            if (!p.capabilities->inheritable.empty()) p.capabilities->ambient.push_back(c);
        }
    }
    return p;
}

struct Join {
    int type;
    UniqueFd fd;
};

// The container's namespaces that differ from strata's own, user first.
Result<std::vector<Join>> namespaces_of(pid_t pid) {
    std::vector<Join> out;
    for (const auto& type : spec::namespace_types()) {
        int flag = *spec::namespace_clone_flag(type);
        std::string name(spec::namespace_proc_name(flag));
        std::string theirs = "/proc/" + std::to_string(pid) + "/ns/" + name;
        struct stat a{}, b{};
        if (::stat(theirs.c_str(), &a) < 0 || ::stat(("/proc/self/ns/" + name).c_str(), &b) < 0) continue;
        if (a.st_ino == b.st_ino && a.st_dev == b.st_dev) continue;
        out.push_back({flag, STRATA_TRY(sys::open(theirs, O_RDONLY))});
    }
    return out;
}

// The child: join, set up, exec. Never returns.
[[noreturn]] void exec_child(int sync, std::vector<Join>& joins, spec::Process& proc, const ExecOptions& o,
                             Confinement conf, int console, UniqueFd chroot_to) {
    // Dies with `strata exec` until it execs, as the container's init does with its creator: an
    // exec killed half-way must not go on to start a process its caller never saw start.
    (void)sys::set_parent_death_signal(SIGKILL);
    if (pollfd p{sync, POLLIN, 0}; ::poll(&p, 1, 0) == 1 && (p.revents & POLLHUP)) ::_exit(1);
    auto r = [&]() -> Result<> {
        sync::Message cont = STRATA_TRY(sync::receive(sync));
        if (cont.type != sync::kContinue) return error("exec: the parent did not continue");
        STRATA_TRY(cgroup::join_self(cont.fds));
        cont.fds.clear();
        for (auto& j : joins)
            if (j.type != CLONE_NEWPID)
                STRATA_TRY(sys::setns(j.fd.get(), j.type, std::string(spec::namespace_proc_name(j.type)) + " namespace of the container"));
        joins.clear();
        // A container without a mount namespace of its own is chrooted to its rootfs.
        if (chroot_to) {
            if (::fchdir(chroot_to.get()) < 0) return os_error(errno, "chdir to the container's root");
            if (::chroot(".") < 0) return os_error(errno, "chroot to the container's root");
            chroot_to.reset();
        }
        if (!o.user.empty()) {
            // Names resolve in the container's /etc/passwd and /etc/group (we are in its mount
            // namespace now). Without a group the config's gid stays, as with runc.
            auto [uid, gid] = STRATA_TRY(security::resolve_user(o.user));
            proc.user.uid = uid;
            if (gid) proc.user.gid = *gid;
        }
        if (proc.terminal) {
            Pty pty = STRATA_TRY(with_context(open_pty(AT_FDCWD, "/dev/ptmx", proc.console_size), "terminal"));
            STRATA_TRY(send_master(console, pty));
            ::close(console);
            STRATA_TRY(make_controlling(pty.slave.get()));
        }
        STRATA_TRY(security::apply_rlimits(proc.rlimits));
        Launch l = STRATA_TRY(prepare_in_container(proc, o.preserve_fds));
        conf.reply_fd = sync;
        // The process itself outlives a detached exec; the sync socket reports its start.
        (void)sys::set_parent_death_signal(0);
        return confine_and_exec(proc, conf, l);
    }();
    (void)sync::send_error(sync, r.error());
    ::_exit(1);
}

}  // namespace

Result<int> exec(const ExecOptions& o) {
    ContainerDir dir = STRATA_TRY(ContainerDir::open(o.root, o.id));
    State st = STRATA_TRY(dir.load());
    Status now = current_status(st);
    if (now == Status::stopped) return error("exec " + o.id + ": cannot exec in a stopped container");
    if (now == Status::paused && !o.ignore_paused) return error("exec " + o.id + ": the container is paused (resume it first)");
    if (st.substrate != "container" && st.substrate != "vm")
        return error("exec " + o.id + ": exec is supported for the container and vm substrates only");
    std::string raw = STRATA_TRY(sys::read_file_at(dir.fd(), "config.json"));
    spec::Spec spec = STRATA_TRY(spec::parse_config(raw, dir.path() + "/config.json"));
    spec::Process proc = STRATA_TRY(build_process(o, spec));
    if (proc.terminal && o.console_socket.empty() && o.detach)
        return error("exec " + o.id + ": a detached exec with a terminal needs --console-socket");
    if (st.substrate == "vm") {
        // A pod VM's further container runs in its sandbox's VM: the exec goes there, naming it.
        std::string state_dir = st.pod_sandbox.empty() ? dir.path() : o.root + "/" + st.pod_sandbox;
        dir = ContainerDir{};  // unlock: the process may run for long
        return exec_in_vm(o, state_dir, proc, st.pod_sandbox.empty() ? "" : o.id);
    }
    // The container's seccomp profile confines exec'd processes too, as with runc.
    std::optional<security::seccomp::Program> seccomp;
    if (spec.linux && spec.linux->seccomp)
        seccomp = STRATA_TRY(security::seccomp::compile_cached(*spec.linux->seccomp, dir.path() + "/config.json",
                                                               o.root + "/.cache:seccomp"));

    auto joins = STRATA_TRY(namespaces_of(st.pid));
    UniqueFd chroot_to;
    if (std::none_of(joins.begin(), joins.end(), [](const Join& j) { return j.type == CLONE_NEWNS; }))
        chroot_to = STRATA_TRY(sys::open("/proc/" + std::to_string(st.pid) + "/root", O_PATH | O_DIRECTORY));
    // Checked after opening the namespaces: they belong to the container's process, not to a
    // process that reused its pid.
    if (!sys::process_alive(st.pid, st.pid_start_time)) return error("exec " + o.id + ": cannot exec in a stopped container");

    UniqueFd console, console_back;
    if (proc.terminal) {
        if (!o.console_socket.empty()) {
            console = STRATA_TRY(connect_console_socket(o.console_socket));
        } else {
            auto cp = STRATA_TRY(sys::socketpair_seqpacket());
            console = std::move(cp.b);
            console_back = std::move(cp.a);
        }
    }
    auto pair = STRATA_TRY(sys::socketpair_seqpacket());
    // The process must be born in the container's pid namespace: joining one applies to children.
    UniqueFd own_pid_ns;
    for (auto& j : joins)
        if (j.type == CLONE_NEWPID) {
            own_pid_ns = STRATA_TRY(sys::open("/proc/self/ns/pid", O_RDONLY));
            STRATA_TRY(sys::setns(j.fd.get(), CLONE_NEWPID, "pid namespace of the container"));
        }
    // Nothing inside the container may inspect strata's memory or reach its binary (see
    // security/exec_guard.h) while strata's code runs there.
    (void)sys::set_dumpable(false);
    // As at create: born in the cgroup2 directory, and joining v1 hierarchies itself, so that no
    // cgroup.procs write waits out an RCU grace period (cgroup/manager.h).
    auto cg = STRATA_TRY(cgroup::load_manager(st.cgroup));
    sys::CloneArgs ca;
    ca.flags = CLONE_PIDFD;
    cgroup::Clone cloned = STRATA_TRY(with_context(cgroup::clone_into(*cg, ca), "exec " + o.id));
    auto& child = cloned.child;
    if (child && child->pid == 0) {
        pair.a.reset();
        console_back.reset();
        Confinement conf;
        conf.seccomp = seccomp ? &*seccomp : nullptr;
        if (spec.linux && spec.linux->personality) conf.personality = &*spec.linux->personality;
        exec_child(pair.b.get(), joins, proc, o, conf, console.get(), std::move(chroot_to));
    }
    if (own_pid_ns) STRATA_TRY(sys::setns(own_pid_ns.get(), CLONE_NEWPID, "the runtime's pid namespace again"));
    if (!child) return wrap(child.error(), "exec " + o.id);
    pid_t pid = child->pid;
    UniqueFd pidfd = std::move(child->pidfd);
    pair.b.reset();
    console.reset();
    fault::point("exec.cloned");
    ScopeExit cleanup([&] {
        ::kill(pid, SIGKILL);
        int s;
        ::waitpid(pid, &s, 0);
    });

    std::vector<UniqueFd> join_files = STRATA_TRY(with_context(cgroup::admit(*cg, cloned, pid), "exec " + o.id));
    dir = ContainerDir{};  // unlock: the process may run for long

    sigset_t sigs, old;
    sigfillset(&sigs);
    for (int s : {SIGCHLD, SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP}) sigdelset(&sigs, s);
    if (!o.detach) ::sigprocmask(SIG_BLOCK, &sigs, &old);

    STRATA_TRY(sync::send(pair.a.get(), sync::kContinue, "", join_files));
    join_files.clear();
    fault::point("exec.continued");
    // Foreground tty: the child sends the pty master back before it execs; if it fails first,
    // the socket just closes and the error comes on the sync socket.
    UniqueFd master;
    if (console_back) {
        auto m = STRATA_TRY(sys::recv_msg(console_back.get()));
        if (!m.fds.empty()) master = std::move(m.fds[0]);
    }
    State exec_state = st;
    exec_state.pid = pid;  // the notify agent gets the exec'd process, not the container's init
    auto exec_done = wait_for_exec(pair.a.get(), exec_state);
    if (!exec_done) return wrap(exec_done.error(), "exec " + o.id);
    fault::point("exec.exec");
    if (!o.pid_file.empty()) STRATA_TRY(write_pid_file(o.pid_file, pid));
    cleanup.dismiss();
    if (o.detach) return 0;

    UniqueFd sigfd(::signalfd(-1, &sigs, SFD_CLOEXEC));
    if (master) STRATA_TRY(relay(master.get(), pidfd.get(), sigfd.get()));
    for (;;) {
        pollfd fds[2] = {{pidfd.get(), POLLIN, 0}, {sigfd.get(), POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0 && errno != EINTR) return os_error(errno, "wait for the process");
        if (fds[1].revents & POLLIN) {
            signalfd_siginfo si{};
            if (::read(sigfd.get(), &si, sizeof si) == sizeof si) (void)sys::pidfd_send_signal(pidfd.get(), static_cast<int>(si.ssi_signo));
        }
        if (fds[0].revents & POLLIN) break;
    }
    int status = STRATA_TRY(sys::wait_exit_status(pid));
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
    return status;
}

}  // namespace strata::runtime
