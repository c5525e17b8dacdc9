#include "runtime/vm_query.h"

#include "base/strings.h"
#include "cgroup/files.h"
#include "cgroup/manager.h"
#include "cgroup/v2/stats.h"
#include "runtime/events.h"
#include "runtime/lifecycle.h"
#include "sys/file.h"
#include "vm/monitor/query_client.h"
#include "vm/protocol/agent_protocol.h"

namespace strata::runtime {
namespace {

// A pod VM's further container is asked about through its sandbox's VM, by name.
Result<std::string> ask(const std::string& state_dir, const State& s, vm::agent::Query what) {
    std::string who = (what == vm::agent::Query::processes ? "ps " : "events ") + s.id;
    if (s.pod_sandbox.empty()) return vm::ask_guest(state_dir + "/vm", what, who, vm::kGuestAnswerTimeoutS);
    std::string sandbox = sys::dirname(state_dir) + "/" + s.pod_sandbox;
    return vm::ask_guest(sandbox + "/vm", what, who, vm::kGuestAnswerTimeoutS, s.id);
}

Result<vm::agent::CgroupFiles> cgroup_files(const std::string& state_dir, const State& s) {
    auto files = vm::agent::decode_files(STRATA_TRY(ask(state_dir, s, vm::agent::Query::stats)));
    if (!files) return wrap(files.error(), "events " + s.id + ": the guest's answer");
    return std::move(*files);
}

// The resident memory of the VM's host processes (the monitor and QEMU: its host cgroup's).
nlohmann::json host_cost(const State& s) {
    uint64_t rss_kib = 0;
    size_t count = 0;
    if (auto cg = cgroup::load_manager(s.cgroup))
        if (auto pids = (*cg)->pids())
            for (pid_t pid : *pids) {
                auto status = sys::read_file("/proc/" + std::to_string(pid) + "/status");
                if (!status) continue;
                ++count;
                for (const auto& line : split_nonempty(*status, '\n')) {
                    if (!line.starts_with("VmRSS:")) continue;
                    auto f = split_nonempty(trim(line.substr(6)), ' ');
                    if (!f.empty()) rss_kib += parse_uint(f[0]).value_or(0);
                }
            }
    return {{"hostRssBytes", rss_kib * 1024}, {"hostProcesses", count}};
}

}  // namespace

Result<bool> is_vm(const std::string& root, const std::string& id) {
    ContainerDir dir = STRATA_TRY(ContainerDir::open(root, id));
    return STRATA_TRY(dir.load()).substrate == "vm";
}

Result<std::vector<vm::agent::GuestProcess>> guest_processes(const std::string& root, const std::string& id) {
    ContainerDir dir = STRATA_TRY(ContainerDir::open(root, id));
    State s = STRATA_TRY(dir.load());
    if (current_status(s) != Status::running) return error("ps " + id + ": the container is not running");
    auto ps = vm::agent::decode_processes(STRATA_TRY(ask(dir.path(), s, vm::agent::Query::processes)));
    if (!ps) return wrap(ps.error(), "ps " + id + ": the guest's answer");
    return std::move(ps->list);
}

Result<nlohmann::json> guest_stats(const std::string& state_dir, const State& s) {
    auto files = STRATA_TRY(cgroup_files(state_dir, s));
    auto st = cgroup::v2::stats_from([&](const std::string& name) -> std::optional<std::string> {
        auto it = files.find(name);
        return it == files.end() ? std::nullopt : std::optional<std::string>(it->second);
    });
    nlohmann::json data = stats_json(st);
    data["vm"] = host_cost(s);
    return data;
}

Result<uint64_t> guest_oom_kills(const std::string& state_dir, const State& s) {
    auto files = STRATA_TRY(cgroup_files(state_dir, s));
    auto it = files.find("memory.events");
    if (it == files.end()) return 0;
    return cgroup::parse_keyed(it->second)["oom_kill"];
}

}  // namespace strata::runtime
