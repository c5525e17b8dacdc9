#include "runtime/lifecycle.h"
#include "sys/process.h"

namespace strata::runtime {

Status current_status(const State& s) {
    if (s.status == Status::creating) return Status::creating;
    if (!sys::process_alive(s.pid, s.pid_start_time)) return Status::stopped;
    if (s.status == Status::created) return Status::created;
    return Status::running;
}

Result<nlohmann::json> state(const std::string& root, const std::string& id) {
    ContainerDir dir = STRATA_TRY(ContainerDir::open(root, id));
    State s = STRATA_TRY(dir.load());
    return s.public_json(current_status(s));
}

}  // namespace strata::runtime
