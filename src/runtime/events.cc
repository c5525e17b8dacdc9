#include "runtime/events.h"

#include <poll.h>
#include <unistd.h>

#include <thread>

#include "cgroup/manager.h"
#include "runtime/lifecycle.h"
#include "runtime/vm_query.h"

namespace strata::runtime {

using json = nlohmann::json;

json stats_json(const cgroup::Stats& s) {
    auto mem_entry = [](const cgroup::MemoryEntry& e) {
        return json{{"usage", e.usage}, {"maxUsage", e.max_usage}, {"limit", e.limit}, {"failcnt", e.failcnt}};
    };
    auto blkio = [](const std::vector<cgroup::BlkioEntry>& v) {
        json a = json::array();
        for (const auto& e : v) a.push_back({{"major", e.major}, {"minor", e.minor}, {"op", e.op}, {"value", e.value}});
        return a;
    };
    json huge = json::object();
    for (const auto& [size, h] : s.hugetlb) huge[size] = {{"usage", h.usage}, {"maxUsage", h.max_usage}, {"failcnt", h.failcnt}};
    return json{
        {"cpu",
         {{"usage", {{"total", s.cpu.total_ns}, {"percpu", s.cpu.percpu_ns}, {"kernel", s.cpu.kernel_ns}, {"user", s.cpu.user_ns}}},
          {"throttling", {{"periods", s.cpu.periods}, {"throttledPeriods", s.cpu.throttled_periods}, {"throttledTime", s.cpu.throttled_ns}}}}},
        {"memory",
         {{"cache", s.memory.cache},
          {"usage", mem_entry(s.memory.usage)},
          {"swap", mem_entry(s.memory.swap)},
          {"kernel", mem_entry(s.memory.kernel)},
          {"oomKills", s.memory.oom_kills},
          {"raw", s.memory.raw}}},
        {"pids", {{"current", s.pids.current}, {"limit", s.pids.limit}}},
        {"blkio", {{"ioServiceBytesRecursive", blkio(s.blkio.io_service_bytes)}, {"ioServicedRecursive", blkio(s.blkio.io_serviced)}}},
        {"hugetlb", huge},
    };
}

namespace {

Result<std::pair<State, std::unique_ptr<cgroup::Manager>>> open_cgroup(const std::string& root, const std::string& id) {
    ContainerDir dir = STRATA_TRY(ContainerDir::open(root, id));
    State s = STRATA_TRY(dir.load());
    if (current_status(s) == Status::stopped) return error("events " + id + ": container not running");
    auto cg = STRATA_TRY(cgroup::load_manager(s.cgroup));
    return std::pair{std::move(s), std::move(cg)};
}

}  // namespace

Result<json> stats_event(const std::string& root, const std::string& id) {
    auto [s, cg] = STRATA_TRY(open_cgroup(root, id));
    if (s.substrate == "vm") return json{{"type", "stats"}, {"id", id}, {"data", STRATA_TRY(guest_stats(root + "/" + id, s))}};
    auto st = STRATA_TRY(cg->stats());
    return json{{"type", "stats"}, {"id", id}, {"data", stats_json(st)}};
}

namespace {

// A micro-VM's events come from the guest: its stats, and its OOM kills polled (no eventfd
// reaches across the VM boundary) at most every second.
Result<> stream_vm_events(const std::string& root, const State& s, std::chrono::milliseconds interval,
                          const std::function<void(const json&)>& emit) {
    const std::string dir = root + "/" + s.id;
    uint64_t ooms = guest_oom_kills(dir, s).value_or(0);
    auto next_stats = std::chrono::steady_clock::now();
    const auto poll_every = std::min<std::chrono::milliseconds>(interval, std::chrono::seconds(1));
    for (;;) {
        if (current_status(s) == Status::stopped) return {};
        auto now = std::chrono::steady_clock::now();
        if (now >= next_stats) {
            if (auto data = guest_stats(dir, s)) emit({{"type", "stats"}, {"id", s.id}, {"data", *data}});
            next_stats = now + interval;
        }
        if (auto count = guest_oom_kills(dir, s))
            for (; ooms < *count; ++ooms) emit({{"type", "oom"}, {"id", s.id}});
        std::this_thread::sleep_for(std::min(poll_every, std::chrono::duration_cast<std::chrono::milliseconds>(next_stats - now) +
                                                             std::chrono::milliseconds(1)));
    }
}

}  // namespace

Result<> stream_events(const std::string& root, const std::string& id, std::chrono::milliseconds interval,
                       const std::function<void(const json&)>& emit) {
    auto [s, cg] = STRATA_TRY(open_cgroup(root, id));
    if (s.substrate == "vm") return stream_vm_events(root, s, interval, emit);
    UniqueFd oom = STRATA_TRY(cg->oom_notifier());
    uint64_t ooms = cg->oom_kill_count().value_or(0);
    auto next_stats = std::chrono::steady_clock::now();
    for (;;) {
        if (current_status(s) == Status::stopped) {
            // A kill that ended the container may still be waiting in the counter.
            if (cg->oom_kill_count().value_or(ooms) > ooms) emit({{"type", "oom"}, {"id", id}});
            return {};
        }
        auto now = std::chrono::steady_clock::now();
        if (now >= next_stats) {
            if (auto st = cg->stats()) emit({{"type", "stats"}, {"id", id}, {"data", stats_json(*st)}});
            next_stats = now + interval;
        }
        int wait_ms = static_cast<int>(std::min<long>(200, std::chrono::duration_cast<std::chrono::milliseconds>(next_stats - now).count()));
        pollfd p{oom.get(), POLLIN, 0};
        if (::poll(&p, 1, std::max(wait_ms, 1)) > 0) {
            char buf[4096];
            (void)!::read(oom.get(), buf, sizeof buf);
        }
        uint64_t count = cg->oom_kill_count().value_or(ooms);
        for (; ooms < count; ++ooms) emit({{"type", "oom"}, {"id", id}});
    }
}

}  // namespace strata::runtime
