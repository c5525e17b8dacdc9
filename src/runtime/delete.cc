#include <poll.h>
#include <signal.h>
#include <sys/mount.h>

#include <chrono>
#include <thread>

#include "base/fault.h"
#include "base/log.h"
#include "base/strings.h"
#include "cgroup/manager.h"
#include "runtime/hooks.h"
#include "runtime/lifecycle.h"
#include "spec/parse.h"
#include "sys/file.h"
#include "sys/process.h"
#include "vm/net/network.h"

namespace strata::runtime {
namespace {

// How long delete waits for SIGKILLed processes to leave the container's cgroups. Processes in
// uninterruptible sleep (a hung NFS mount, a stuck device) can outlast it; delete then says which.
constexpr auto kKillWait = std::chrono::seconds(10);

// SIGKILL to every process of the container and wait until the init is gone (a pidfd polls
// readable when it exits). Without a pid namespace the init's death would not take the rest. The
// init is killed by its pid as well: a create killed before the init joined its cgroups leaves an
// init (recorded in the "creating" state) that the cgroups do not hold.
Result<> kill_and_wait(const State& s) {
    if (auto cg = cgroup::load_manager(s.cgroup)) {
        // A frozen container cannot die until thawed.
        if ((*cg)->frozen().value_or(false)) (void)(*cg)->set_frozen(false);
        (void)(*cg)->kill_all(SIGKILL);
    }
    if (s.pid <= 0) return {};
    auto pidfd = sys::pidfd_open(s.pid);
    if (!pidfd || !sys::process_alive(s.pid, s.pid_start_time)) return {};
    STRATA_TRY(sys::pidfd_send_signal(pidfd->get(), SIGKILL));
    pollfd p{pidfd->get(), POLLIN, 0};
    for (int waited = 0; waited < 10000; waited += 100) {
        int n = ::poll(&p, 1, 100);
        if (n > 0) return {};
        if (n < 0 && errno != EINTR) return os_error(errno, "wait for container init to exit");
    }
    return os_error(ETIMEDOUT, "container init " + sys::describe_process(s.pid) + " did not exit after SIGKILL");
}

std::string describe(const std::vector<pid_t>& pids) {
    std::string out;
    for (pid_t p : pids) out += (out.empty() ? "" : ", ") + sys::describe_process(p);
    return out;
}

// Kills what is still in the container's cgroups (strays: no pid namespace, a double fork, an
// exec'd process) until they are empty, for at most kKillWait; the error names what is left.
Result<> empty_cgroups(cgroup::Manager& cg) {
    auto deadline = std::chrono::steady_clock::now() + kKillWait;
    for (;;) {
        auto left = cg.pids();
        if (!left || left->empty()) return {};  // unreadable: already removed
        if (std::chrono::steady_clock::now() >= deadline)
            return os_error(EBUSY, "the container's cgroups still hold " + describe(*left) + " " +
                                       std::to_string(kKillWait.count()) + " s after SIGKILL (uninterruptible sleep?)");
        (void)cg.kill_all(SIGKILL);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
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
        // A create that died before its first state: nothing on the host exists yet (the state is
        // written before the cgroup, the init and anything else), only the directory.
        log::warn("delete " + id + ": " + loaded.error().message() + "; removing what is left");
        return dir.remove();
    }
    State s = std::move(*loaded);
    Status now = current_status(s);
    if ((now == Status::running || now == Status::paused) && !force)
        return error("cannot delete container " + quote(id) + ": it is " + std::string(status_name(now)) + " (stop it first or use --force)");
    if (now != Status::stopped) STRATA_TRY(with_context(kill_and_wait(s), "delete " + id));
    fault::point("delete.killed");
    return with_context(release(dir, s), "delete " + id);
}

Result<> release(ContainerDir& dir, const State& s) {
    log::Timer t("release (cgroup, owned resources, state)");
    if (auto cg = cgroup::load_manager(s.cgroup)) {
        // Usually the init was the last process and is reaped: one rmdir per hierarchy does it.
        if (!(*cg)->remove_if_empty()) {
            STRATA_TRY(empty_cgroups(**cg));
            STRATA_TRY((*cg)->destroy());
        }
    }
    fault::point("delete.cgroup");
    for (const auto& m : s.owned_mounts)
        if (::umount2(m.c_str(), MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
            return os_error(errno, "detach " + quote(m));
    for (const auto& p : s.owned_paths) STRATA_TRY(sys::remove_tree(p));
    // A VM's monitor removes its tc redirects as it ends; one that was killed could not.
    if (s.substrate == "vm") vm::release_network(dir.path() + "/vm/" + vm::kNetworkRecord);
    // poststop: after the container is gone, before delete returns; failures are warnings.
    // Most configs have no hooks: a search of the text spares parsing the whole config (a key
    // written with \u escapes still gets the parse).
    if (auto raw = sys::read_file_at(dir.fd(), "config.json");
        raw && (raw->find("poststop") != std::string::npos || raw->find("\\u") != std::string::npos))
        if (auto spec = spec::parse_config(*raw, "config.json"); spec && !spec->hooks.poststop.empty())
            run_hooks_warn(spec->hooks.poststop, hook_state(s.id, "stopped", 0, s.bundle, s.annotations), "poststop");
    return dir.remove();
}

}  // namespace strata::runtime
