#include "base/fault.h"
#include "base/strings.h"
#include "cgroup/manager.h"
#include "runtime/lifecycle.h"
#include "sys/process.h"

namespace strata::runtime {

Status current_status(const State& s) {
    if (s.status == Status::creating) return Status::creating;
    if (!sys::process_alive(s.pid, s.pid_start_time)) return Status::stopped;
    if (s.status == Status::created) return Status::created;
    if (s.status == Status::paused) {
        // Recorded by `pause`; the freezer is the truth (someone may have thawed it directly).
        auto cg = cgroup::load_manager(s.cgroup);
        if (cg && (*cg)->frozen().value_or(false)) return Status::paused;
    }
    return Status::running;
}

namespace {

Result<std::unique_ptr<cgroup::Manager>> running_cgroup(const State& s, const char* verb) {
    Status now = current_status(s);
    if (now == Status::stopped || now == Status::creating)
        return error(std::string(verb) + " " + s.id + ": container not running");
    return cgroup::load_manager(s.cgroup);
}

}  // namespace

Result<> pause(const std::string& root, const std::string& id) {
    ContainerDir dir = STRATA_TRY(ContainerDir::open(root, id));
    State s = STRATA_TRY(dir.load());
    if (current_status(s) != Status::running)
        return error("cannot pause container " + quote(id) + ": it is " + std::string(status_name(current_status(s))));
    // Its host cgroup holds only its host process: freezing that would leave the guest process
    // running while the state said paused. The pod's VM pauses as a whole, with its sandbox.
    if (!s.pod_sandbox.empty())
        return os_error(EOPNOTSUPP, "pause " + id + ": a container in a pod's VM cannot be paused alone (pausing the pod's sandbox " +
                                        s.pod_sandbox + " pauses the VM and every container in it)");
    auto cg = STRATA_TRY(running_cgroup(s, "pause"));
    STRATA_TRY(with_context(cg->set_frozen(true), "pause " + id));
    fault::point("pause.frozen");
    s.status = Status::paused;
    return dir.save(s);
}

Result<> resume(const std::string& root, const std::string& id) {
    ContainerDir dir = STRATA_TRY(ContainerDir::open(root, id));
    State s = STRATA_TRY(dir.load());
    if (current_status(s) != Status::paused)
        return error("cannot resume container " + quote(id) + ": it is " + std::string(status_name(current_status(s))) + ", not paused");
    auto cg = STRATA_TRY(running_cgroup(s, "resume"));
    STRATA_TRY(with_context(cg->set_frozen(false), "resume " + id));
    s.status = Status::running;
    return dir.save(s);
}

Result<std::vector<pid_t>> processes(const std::string& root, const std::string& id) {
    ContainerDir dir = STRATA_TRY(ContainerDir::open(root, id));
    State s = STRATA_TRY(dir.load());
    if (current_status(s) == Status::stopped) return std::vector<pid_t>{};
    auto cg = STRATA_TRY(cgroup::load_manager(s.cgroup));
    return cg->pids();
}

Result<nlohmann::json> state(const std::string& root, const std::string& id) {
    ContainerDir dir = STRATA_TRY(ContainerDir::open(root, id));
    State s = STRATA_TRY(dir.load());
    return s.public_json(current_status(s));
}

}  // namespace strata::runtime
