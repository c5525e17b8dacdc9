#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fault.h"
#include "base/log.h"
#include "base/scope_exit.h"
#include "base/strings.h"
#include "runtime/exec_wait.h"
#include "runtime/lifecycle.h"
#include "runtime/sync.h"
#include "runtime/terminal.h"
#include "sys/process.h"

namespace strata::runtime {
namespace {

// Signals a foreground `strata run` passes on to the container (as runc does); SIGCHLD,
// SIGKILL and SIGSTOP are not forwardable or are strata's own business.
sigset_t forwarded_signals() {
    sigset_t set;
    sigfillset(&set);
    sigdelset(&set, SIGCHLD);
    sigdelset(&set, SIGKILL);
    sigdelset(&set, SIGSTOP);
    sigdelset(&set, SIGSEGV);
    sigdelset(&set, SIGBUS);
    sigdelset(&set, SIGFPE);
    sigdelset(&set, SIGILL);
    sigdelset(&set, SIGABRT);
    sigdelset(&set, SIGTRAP);
    return set;
}

// Waits for the container's init, forwarding signals to it; returns its exit status.
Result<int> wait_forwarding(pid_t pid, int pidfd, int sigfd) {
    for (;;) {
        pollfd fds[2] = {{pidfd, POLLIN, 0}, {sigfd, POLLIN, 0}};
        int n = ::poll(fds, 2, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            return os_error(errno, "wait for the container");
        }
        if (fds[1].revents & POLLIN) {
            signalfd_siginfo si{};
            if (::read(sigfd, &si, sizeof si) == sizeof si)
                (void)sys::pidfd_send_signal(pidfd, static_cast<int>(si.ssi_signo));
        }
        if (fds[0].revents & POLLIN) return sys::wait_exit_status(pid);
    }
}

}  // namespace

Result<int> run(const RunOptions& opts) {
    CreateOptions co = opts.create;
    co.for_run = true;
    co.relay_terminal = !opts.detach;
    if (!opts.detach && opts.subreaper) STRATA_TRY(sys::set_child_subreaper());
    Created c = STRATA_TRY(create(co));
    const std::string& id = co.id;
    ScopeExit cleanup([&] {
        ::kill(c.state.pid, SIGKILL);
        int st;
        ::waitpid(c.state.pid, &st, 0);
        (void)release(c.dir, c.state);
    });

    // Block forwarded signals before the process starts so none is lost in between; the init
    // resets its own mask before exec, so the container's process does not inherit this.
    sigset_t sigs = forwarded_signals();
    sigset_t old;
    if (!opts.detach) ::sigprocmask(SIG_BLOCK, &sigs, &old);

    fault::point("run.created");
    STRATA_TRY(sync::send(c.sync.get(), sync::kGo));
    auto exec = [&] {
        log::Timer go("start (go -> exec)");
        return wait_for_exec(c.sync.get(), c.state);
    }();
    if (!exec) return wrap(exec.error(), "run " + id);
    c.state.status = Status::running;
    STRATA_TRY(c.dir.save(c.state));
    cleanup.dismiss();
    fault::point("run.running");
    run_poststart(c.dir, c.state);
    if (opts.detach) return 0;

    pid_t pid = c.state.pid;
    int sigfd = ::signalfd(-1, &sigs, SFD_CLOEXEC);
    if (sigfd < 0) return os_error(errno, "signalfd");
    UniqueFd sig_owner(sigfd);
    {
        // Let other strata commands (state, kill, exec) at the container while it runs.
        ContainerDir unlocked = std::move(c.dir);
    }
    if (c.pty_master) STRATA_TRY(relay(c.pty_master.get(), c.pidfd.get(), sigfd));
    int status = STRATA_TRY(wait_forwarding(pid, c.pidfd.get(), sigfd));
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
    fault::point("run.exited");
    // Orphans that came to us as the subreaper and have exited.
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    if (!opts.keep) {
        auto r = remove(co.root, id, true);
        if (!r) log::warn("remove container " + id + " after it exited: " + r.error().message());
    }
    return status;
}

}  // namespace strata::runtime
