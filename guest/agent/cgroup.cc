#include "agent/cgroup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include <algorithm>

#include "base/strings.h"
#include "sys/file.h"

namespace strata::agent {
namespace {

constexpr const char* kRoot = kRootCgroup;

std::string max_or(int64_t v) { return v < 0 ? "max" : std::to_string(v); }

// cgroup v1 cpu.shares (2..262144) -> v2 cpu.weight (1..10000), the conversion runc and crun use.
uint64_t shares_to_weight(uint64_t shares) {
    if (shares == 0) return 0;
    if (shares < 2) shares = 2;
    if (shares > 262144) shares = 262144;
    return 1 + ((shares - 2) * 9999) / 262142;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> cgroup_v2_writes(const spec::Resources& r) {
    std::vector<std::pair<std::string, std::string>> w;
    if (r.memory) {
        const auto& m = *r.memory;
        if (m.reservation) w.emplace_back("memory.low", max_or(*m.reservation));
        if (m.limit) w.emplace_back("memory.max", max_or(*m.limit));
        // v1's memory.memsw is memory+swap; v2's swap.max is swap alone.
        if (m.swap && m.limit && *m.swap >= 0 && *m.limit >= 0)
            w.emplace_back("memory.swap.max", std::to_string(*m.swap - *m.limit));
    }
    if (r.cpu) {
        const auto& c = *r.cpu;
        if (c.shares && *c.shares) w.emplace_back("cpu.weight", std::to_string(shares_to_weight(*c.shares)));
        if (c.quota || c.period) {
            std::string quota = c.quota && *c.quota > 0 ? std::to_string(*c.quota) : "max";
            w.emplace_back("cpu.max", quota + " " + std::to_string(c.period.value_or(100000)));
        }
        if (!c.cpus.empty()) w.emplace_back("cpuset.cpus", c.cpus);
        if (!c.mems.empty()) w.emplace_back("cpuset.mems", c.mems);
    }
    if (r.pids_limit) w.emplace_back("pids.max", max_or(*r.pids_limit));
    if (r.block_io && r.block_io->weight) w.emplace_back("io.weight", std::to_string(*r.block_io->weight));
    return w;
}

Result<UniqueFd> make_workload_cgroup(const spec::Spec& spec, std::vector<std::string>& warnings, const std::string& dir, bool always) {
    std::vector<std::pair<std::string, std::string>> writes;
    if (spec.linux && spec.linux->resources) writes = cgroup_v2_writes(*spec.linux->resources);
    // Without limits the workload stays in the guest's root cgroup: every controller enabled
    // costs guest time at each boot.
    if (writes.empty() && !always) return UniqueFd();
    struct statfs fs{};
    if (::statfs(kRoot, &fs) < 0 || fs.f_type != CGROUP2_SUPER_MAGIC) {
        warnings.push_back("the guest kernel has no cgroup v2: resource limits are not applied inside the VM");
        return UniqueFd();
    }
    // A controller must be enabled in the parent's subtree_control before a child can use it;
    // each is enabled alone so one the kernel lacks does not block the others.
    std::vector<std::string> enabled;
    for (const auto& w : writes) {
        std::string controller = w.first.substr(0, w.first.find('.'));
        if (std::find(enabled.begin(), enabled.end(), controller) != enabled.end()) continue;
        enabled.push_back(controller);
        (void)sys::write_file(std::string(kRoot) + "/cgroup.subtree_control", "+" + controller);
    }
    if (::mkdir(dir.c_str(), 0755) < 0 && errno != EEXIST) return os_error(errno, "create cgroup " + dir);
    for (const auto& [file, value] : writes) {
        auto r = sys::write_file(dir + "/" + file, value);
        if (!r) {
            if (r.error().code == ENOENT) {
                warnings.push_back("cgroup " + file + " is not available in the guest kernel; not applied");
                continue;
            }
            return os_error(r.error().code, "set cgroup " + file + " to " + quote(value));
        }
    }
    return sys::open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

}  // namespace strata::agent
