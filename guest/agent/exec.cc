#include "agent/exec.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>


#include <cstring>
#include <vector>

#include "agent/confine.h"
#include "agent/terminal.h"
#include "agent/workload.h"
#include "base/strings.h"
#include "security/rlimits.h"
#include "security/user.h"
#include "sys/exec_path.h"
#include "sys/file.h"
#include "sys/ns.h"
#include "sys/process.h"
#include "sys/socket.h"

namespace strata::agent {
namespace {

struct Join {
    int type;
    const char* name;
    UniqueFd fd;
};

// The workload's namespaces that are not the agent's own (it may have none of some types).
Result<std::vector<Join>> namespaces_of(pid_t pid) {
    static constexpr std::pair<int, const char*> kTypes[] = {
        {CLONE_NEWPID, "pid"}, {CLONE_NEWIPC, "ipc"}, {CLONE_NEWUTS, "uts"}, {CLONE_NEWCGROUP, "cgroup"}, {CLONE_NEWNS, "mnt"}};
    std::vector<Join> out;
    for (auto [type, name] : kTypes) {
        std::string theirs = "/proc/" + std::to_string(pid) + "/ns/" + name;
        struct stat a{}, b{};
        if (::stat(theirs.c_str(), &a) < 0 || ::stat((std::string("/proc/self/ns/") + name).c_str(), &b) < 0) continue;
        if (a.st_ino == b.st_ino && a.st_dev == b.st_dev) continue;
        out.push_back({type, name, STRATA_TRY(sys::open(theirs, O_RDONLY | O_CLOEXEC))});
    }
    return out;
}

// Child -> agent on a CLOEXEC pipe: nothing (EOF: exec'd) or i32 errno + context.
[[noreturn]] void report_and_exit(int fd, const Error& e) {
    std::string msg(4, '\0');
    int32_t code = e.code;
    std::memcpy(msg.data(), &code, 4);
    msg += e.context;
    (void)!::write(fd, msg.data(), msg.size());
    ::_exit(127);
}

// The workload's seccomp filter confines exec'd processes too, as runc's exec does.
Result<> become(const vm::agent::GuestExec& req, const vm::agent::GuestFilter* seccomp, std::vector<Join>& joins, int root,
                const int stdio[3], int term) {
    if (!req.process.terminal)
        for (int i = 0; i < 3; ++i)
            if (::dup2(stdio[i], i) < 0) return os_error(errno, "set up the exec'd process's stdio");
    for (auto& j : joins)
        if (j.type != CLONE_NEWPID)
            STRATA_TRY(sys::setns(j.fd.get(), j.type, std::string("the workload's ") + j.name + " namespace"));
    // The workload's root is the mount it moved over "/" and chroot'ed into: joining its mount
    // namespace lands at that namespace's root (the initramfs underneath), so chroot to its root.
    if (::fchdir(root) < 0) return os_error(errno, "chdir to the workload's root");
    if (::chroot(".") < 0) return os_error(errno, "chroot to the workload's root");
    spec::Process proc = req.process;
    if (!req.user.empty()) {
        auto [uid, gid] = STRATA_TRY(security::resolve_user(req.user));
        proc.user.uid = uid;
        if (gid) proc.user.gid = *gid;
    }
    STRATA_TRY(security::apply_rlimits(proc.rlimits));
    if (proc.oom_score_adj)
        STRATA_TRY(sys::write_file("/proc/self/oom_score_adj", std::to_string(*proc.oom_score_adj)));
    std::vector<std::string> env = proc.env;
    if (!sys::env_lookup(env, "HOME")) env.push_back("HOME=" + sys::home_of(proc.user.uid));
    if (proc.terminal) STRATA_TRY(open_terminal(proc, term));
    std::string cwd = proc.cwd.empty() ? "/" : proc.cwd;
    if (::chdir(cwd.c_str()) < 0) return os_error(errno, "chdir to cwd " + quote(cwd));
    std::string exe = STRATA_TRY(sys::find_executable(proc.args[0], env));
    return confine_and_exec(proc, req.caps, seccomp, exe, env);
}

}  // namespace

Result<ExecProcess> spawn_exec(const Workload& w, const vm::agent::GuestExec& req) {
    if (w.pid <= 0) return error("exec: the workload is not running");
    auto joins = STRATA_TRY(namespaces_of(w.pid));
    UniqueFd root = STRATA_TRY(sys::open("/proc/" + std::to_string(w.pid) + "/root", O_PATH | O_DIRECTORY | O_CLOEXEC));
    int in[2], out[2], err[2], rep[2];
    if (::pipe2(in, O_CLOEXEC) < 0 || ::pipe2(out, O_CLOEXEC) < 0 || ::pipe2(err, O_CLOEXEC) < 0 || ::pipe2(rep, O_CLOEXEC) < 0)
        return os_error(errno, "pipes for the exec'd process");
    UniqueFd in_r(in[0]), in_w(in[1]), out_r(out[0]), out_w(out[1]), err_r(err[0]), err_w(err[1]), rep_r(rep[0]), rep_w(rep[1]);
    sys::SocketPair term;
    if (req.process.terminal) term = STRATA_TRY(sys::socketpair_seqpacket());

    // Joining a pid namespace applies to children: the agent enters it for the clone only.
    UniqueFd own_pid;
    for (auto& j : joins)
        if (j.type == CLONE_NEWPID) {
            own_pid = STRATA_TRY(sys::open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC));
            STRATA_TRY(sys::setns(j.fd.get(), CLONE_NEWPID, "the workload's pid namespace"));
        }
    sys::CloneArgs ca;
    if (w.cgroup) {
        ca.flags |= CLONE_INTO_CGROUP;
        ca.cgroup_fd = w.cgroup.get();
    }
    auto child = sys::clone3(ca);
    if (child && child->pid == 0) {
        int stdio[3] = {in_r.get(), out_w.get(), err_w.get()};
        auto r = become(req, w.seccomp, joins, root.get(), stdio, term.b.get());
        report_and_exit(rep_w.get(), r.error());
    }
    if (own_pid) STRATA_TRY(sys::setns(own_pid.get(), CLONE_NEWPID, "the agent's pid namespace again"));
    if (!child) return wrap(child.error(), "exec: start the process");
    rep_w.reset();
    term.b.reset();
    UniqueFd master;
    if (term.a) {
        // The master comes before exec; EOF instead if the child failed before it opened one.
        master = receive_terminal(term.a.get());
    }
    // The child's end is CLOEXEC: EOF once it exec'd, or the error it reports first.
    char buf[4096];
    ssize_t n;
    do n = ::read(rep_r.get(), buf, sizeof buf);
    while (n < 0 && errno == EINTR);
    if (n > 0) {
        int st;
        ::waitpid(child->pid, &st, 0);
        int32_t code = 0;
        if (n >= 4) std::memcpy(&code, buf, 4);
        return std::unexpected(Error{code, n > 4 ? std::string(buf + 4, static_cast<size_t>(n - 4)) : "exec: malformed error"});
    }
    ExecProcess p;
    p.pid = child->pid;
    if (master) {
        p.stdin_w.reset(::fcntl(master.get(), F_DUPFD_CLOEXEC, 0));
        p.stdout_r.reset(::fcntl(master.get(), F_DUPFD_CLOEXEC, 0));
        if (!p.stdin_w || !p.stdout_r) return os_error(errno, "dup the pty's master");
        p.pty = std::move(master);  // non-blocking, and so are its copies (one file)
        return p;
    }
    p.stdin_w = std::move(in_w);
    p.stdout_r = std::move(out_r);
    p.stderr_r = std::move(err_r);
    for (int fd : {p.stdin_w.get(), p.stdout_r.get(), p.stderr_r.get()})
        ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    return p;
}

}  // namespace strata::agent
