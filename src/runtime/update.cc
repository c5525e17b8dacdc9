#include "runtime/update.h"

#include "base/strings.h"
#include "cgroup/manager.h"
#include "runtime/lifecycle.h"

namespace strata::runtime {

Result<> update(const std::string& root, const std::string& id, const spec::Resources& r) {
    ContainerDir dir = STRATA_TRY(ContainerDir::open(root, id));
    State s = STRATA_TRY(dir.load());
    Status now = current_status(s);
    if (now == Status::stopped) return error("update " + id + ": container not running");
    auto cg = STRATA_TRY(cgroup::load_manager(s.cgroup));
    if (r.memory && r.memory->check_before_update.value_or(false) && r.memory->limit && *r.memory->limit > 0) {
        auto st = STRATA_TRY(cg->stats());
        if (st.memory.usage.usage > static_cast<uint64_t>(*r.memory->limit))
            return error("update " + id + ": .memory.limit " + std::to_string(*r.memory->limit) +
                         " is below the current usage " + std::to_string(st.memory.usage.usage));
    }
    return with_context(cg->apply(r), "update " + id);
}

}  // namespace strata::runtime
