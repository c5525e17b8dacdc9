#include "compare/interrupt.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <iostream>

#include "base/strings.h"
#include "sys/file.h"
#include "sys/signals.h"

namespace strata::compare {
namespace {

// Every instance the columns' runtimes still know under the work directory; how many went.
int remove_instances(const std::vector<Column>& columns) {
    int removed = 0;
    for (const auto& c : columns) {
        if (c.direct() || c.list.empty() || !c.available) continue;
        auto listed = run_capture(c, c.list, "", "");
        if (!listed) continue;  // a root that was never made
        for (const auto& id : split_nonempty(*listed, '\n')) {
            std::string name(trim(id));
            if (name.empty()) continue;
            if (run_capture(c, c.remove, "", name)) ++removed;
            else std::cerr << "strata compare: " << c.title << ": could not delete " << name << "\n";
        }
    }
    return removed;
}

}  // namespace

Result<int> run_interruptible(const std::vector<Column>& columns, const std::string& work_dir, bool keep_work_dir,
                              const std::function<Result<int>()>& measure) {
    sigset_t stop, old;
    sigemptyset(&stop);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD}) sigaddset(&stop, sig);
    if (::sigprocmask(SIG_BLOCK, &stop, &old) < 0) return os_error(errno, "compare: block signals");
    pid_t child = ::fork();
    if (child < 0) {
        int err = errno;
        ::sigprocmask(SIG_SETMASK, &old, nullptr);
        return os_error(err, "compare: fork the measurement");
    }
    if (child == 0) {
        // Its own group: a terminal's ^C reaches the waiting process only, which ends the
        // whole group at once.
        ::setpgid(0, 0);
        ::sigprocmask(SIG_SETMASK, &old, nullptr);
        return measure();
    }
    ::setpgid(child, child);  // either side may run first
    for (;;) {
        siginfo_t info{};
        int sig = ::sigwaitinfo(&stop, &info);
        if (sig < 0) continue;  // EINTR
        if (sig == SIGCHLD) {
            int status = 0;
            pid_t done = ::waitpid(child, &status, WNOHANG);
            if (done != child) continue;
            ::sigprocmask(SIG_SETMASK, &old, nullptr);
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        ::kill(-child, SIGKILL);
        ::waitpid(child, nullptr, 0);
        std::cerr << "\nstrata compare: " << sys::signal_name(sig) << ": removing what was started\n";
        int removed = remove_instances(columns);
        if (!keep_work_dir) (void)sys::remove_tree(work_dir);
        std::cerr << "strata compare: removed " << removed << " instance(s)"
                  << (keep_work_dir ? "; work directory kept: " + work_dir : std::string(" and the work directory")) << "\n";
        ::sigprocmask(SIG_SETMASK, &old, nullptr);
        return 128 + sig;
    }
}

}  // namespace strata::compare
