#include <poll.h>
#include <signal.h>
#include <sys/mount.h>

#include "base/log.h"
#include "base/strings.h"
#include "cgroup/manager.h"
#include "runtime/hooks.h"
#include "runtime/lifecycle.h"
#include "spec/parse.h"
#include "sys/file.h"
#include "sys/process.h"

namespace strata::runtime {
namespace {

// SIGKILL to every process of the container and wait until the init is gone (a pidfd polls
// readable when it exits). Without a pid namespace the init's death would not take the rest.
Result<> kill_and_wait(const State& s) {
    if (auto cg = cgroup::load_manager(s.cgroup)) {
        // A frozen container cannot die until thawed.
        if ((*cg)->frozen().value_or(false)) (void)(*cg)->set_frozen(false);
        (void)(*cg)->kill_all(SIGKILL);
    }
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
    auto opened = ContainerDir::open(root, id);
    // --force of a container that does not exist (any more) succeeds, as with runc: engines
    // (Podman after a failed create) clean up with it and would print its error.
    if (!opened && force && validate_id(id) && !sys::exists(root + "/" + id)) {
        log::debug("delete --force " + id + ": no such container");
        return {};
    }
    ContainerDir dir = STRATA_TRY(std::move(opened));
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
    log::Timer t("release (cgroup, owned resources, state)");
    if (auto cg = cgroup::load_manager(s.cgroup)) {
        // Stray processes (no pid namespace, or a double fork) still hold the cgroup.
        auto left = (*cg)->pids();
        if (left && !left->empty()) (void)(*cg)->kill_all(SIGKILL);
        STRATA_TRY((*cg)->destroy());
    }
    for (const auto& m : s.owned_mounts)
        if (::umount2(m.c_str(), MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
            return os_error(errno, "detach " + quote(m));
    for (const auto& p : s.owned_paths) STRATA_TRY(sys::remove_tree(p));
    // poststop: after the container is gone, before delete returns; failures are warnings.
    if (auto raw = sys::read_file_at(dir.fd(), "config.json"))
        if (auto spec = spec::parse_config(*raw, "config.json"); spec && !spec->hooks.poststop.empty())
            run_hooks_warn(spec->hooks.poststop, hook_state(s.id, "stopped", 0, s.bundle, s.annotations), "poststop");
    return dir.remove();
}

}  // namespace strata::runtime
