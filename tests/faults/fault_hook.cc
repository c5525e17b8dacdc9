// The fault hook of `strata-faults`, the test-only build of the CLI (base/fault.h). Linked into
// that executable alone: the shipped `strata` has no code that reads these variables.
//
//   STRATA_FAULT_AT=<stage>[@N]  SIGKILL the runtime the Nth time (default: first) <stage> is
//                                reached. For an "init." stage the container's init tells a
//                                helper to SIGKILL its creator, waits until the creator is dead,
//                                and goes on: it must then notice and die by itself.
//   STRATA_FAULT_TRACE=<file>    appends "<stage>\n" for every stage reached (the stage list).

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "base/fault.h"

namespace {

struct Config {
    bool set_up = false;
    std::string stage;
    int nth = 1;
    int reached = 0;
    int trace_fd = -1;
    int helper_fd = -1;     // write end: a byte makes the helper kill the creator
    int creator_pidfd = -1;  // the creator, polled by the init until it is dead
};
Config g;

// A child of the creator that waits for one byte and then SIGKILLs the creator. It keeps nothing
// of the creator's open (not the state directory's lock, not the caller's stdout).
void start_helper() {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) < 0) return;
    g.creator_pidfd = static_cast<int>(::syscall(SYS_pidfd_open, ::getpid(), 0));
    pid_t creator = ::getpid();
    pid_t helper = ::fork();
    if (helper == 0) {
        int keep = ::fcntl(p[0], F_DUPFD, 1000);
        ::close_range(0, 999, 0);
        ::close_range(1001, ~0U, 0);
        char c;
        ssize_t n;
        while ((n = ::read(keep, &c, 1)) < 0 && errno == EINTR) {
        }
        if (n == 1) ::kill(creator, SIGKILL);
        ::_exit(0);
    }
    ::close(p[0]);
    g.helper_fd = p[1];
}

void set_up() {
    g.set_up = true;
    if (const char* t = std::getenv("STRATA_FAULT_TRACE"))
        g.trace_fd = ::open(t, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    const char* at = std::getenv("STRATA_FAULT_AT");
    if (!at || !*at) return;
    g.stage = at;
    if (auto pos = g.stage.find('@'); pos != std::string::npos) {
        g.nth = std::atoi(g.stage.c_str() + pos + 1);
        g.stage.resize(pos);
    }
    if (g.stage.starts_with("init.")) start_helper();
}

void hook(const char* stage) {
    // The first stage is reached after the CLI has closed inherited fds, before any clone.
    if (!g.set_up) set_up();
    if (g.trace_fd >= 0) {
        std::string line = std::string(stage) + "\n";
        (void)!::write(g.trace_fd, line.data(), line.size());
    }
    if (g.stage != stage || ++g.reached != g.nth) return;
    if (!g.stage.starts_with("init.")) {
        ::kill(::getpid(), SIGKILL);
        ::pause();
    }
    if (g.helper_fd < 0) return;
    (void)!::write(g.helper_fd, "k", 1);
    pollfd p{g.creator_pidfd, POLLIN, 0};
    (void)::poll(&p, 1, 5000);
}

struct Install {
    Install() { strata::fault::g_hook = hook; }
} install;

}  // namespace
