#include <poll.h>
#include <signal.h>
#include <sys/mount.h>

#include "base/log.h"
#include "base/strings.h"
#include "runtime/lifecycle.h"
#include "sys/file.h"
#include "sys/process.h"

namespace strata::runtime {
namespace {

// SIGKILL and wait until the process is gone (a pidfd polls readable when it exits).
Result<> kill_and_wait(const State& s) {
    auto pidfd = sys::pidfd_open(s.pid);
    if (!pidfd || !sys::process_alive(s.pid, s.pid_start_time)) return {};
    STRATA_TRY(sys::pidfd_send_signal(pidfd->get(), SIGKILL));
    pollfd p{pidfd->get(), POLLIN, 0};
    for (int waited = 0; waited < 10000; waited += 100) {
        int n = ::poll(&p, 1, 100);
        if (n > 0) return {};
        if (n < 0 && errno != EINTR) return os_error(errno, "wait for container init to exit");
    }
    return os_error(ETIMEDOUT, "container init " + std::to_string(s.pid) + " did not exit after SIGKILL");
}

}  // namespace

Result<> remove(const std::string& root, const std::string& id, bool force) {
    ContainerDir dir = STRATA_TRY(ContainerDir::open(root, id));
    auto loaded = dir.load();
    if (!loaded) {
        // A create that crashed before writing state: nothing to stop, only the directory.
        log::warn("delete " + id + ": " + loaded.error().message() + "; removing what is left");
        return dir.remove();
    }
    State s = std::move(*loaded);
    Status now = current_status(s);
    if ((now == Status::running || now == Status::paused) && !force)
        return error("cannot delete container " + quote(id) + ": it is " + std::string(status_name(now)) + " (stop it first or use --force)");
    if (now != Status::stopped) STRATA_TRY(with_context(kill_and_wait(s), "delete " + id));
    return with_context(release(dir, s), "delete " + id);
}

Result<> release(ContainerDir& dir, const State& s) {
    for (const auto& m : s.owned_mounts)
        if (::umount2(m.c_str(), MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
            return os_error(errno, "detach " + quote(m));
    for (const auto& p : s.owned_paths) STRATA_TRY(sys::remove_tree(p));
    return dir.remove();
}

}  // namespace strata::runtime
