#include <signal.h>

#include "base/strings.h"
#include "cgroup/manager.h"
#include "runtime/lifecycle.h"
#include "sys/process.h"

namespace strata::runtime {

Result<> kill(const std::string& root, const std::string& id, int signal, bool all) {
    ContainerDir dir = STRATA_TRY(ContainerDir::open(root, id));
    State s = STRATA_TRY(dir.load());
    // containerd's shim recognises "container not running" and treats it as already-exited.
    auto not_running = [&] { return error("kill " + id + ": container not running"); };
    if (current_status(s) == Status::stopped) return not_running();
    auto pidfd = sys::pidfd_open(s.pid);
    // Checked again after pidfd_open: from here on the pidfd names this process, never a
    // recycled pid.
    if (!pidfd || !sys::process_alive(s.pid, s.pid_start_time)) return not_running();
    if (all) {
        auto cg = STRATA_TRY(cgroup::load_manager(s.cgroup));
        return with_context(cg->kill_all(signal), "kill --all " + id);
    }
    return with_context(sys::pidfd_send_signal(pidfd->get(), signal), "kill " + id);
}

}  // namespace strata::runtime
