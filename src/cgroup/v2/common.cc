#include "cgroup/v2/common.h"

#include <fcntl.h>

#include <algorithm>

#include "base/strings.h"
#include "cgroup/files.h"
#include "sys/bpf.h"
#include "sys/file.h"

namespace strata::cgroup::v2 {

Result<> apply_device_policy(const std::string& dir, const DevicePolicy& policy) {
    UniqueFd cg = STRATA_TRY(sys::open(dir, O_RDONLY | O_DIRECTORY));
    UniqueFd prog = STRATA_TRY(with_context(sys::load_device_program(compile_bpf(policy)), ".linux.resources.devices"));
    STRATA_TRY(with_context(sys::detach_device_programs(cg.get()), ".linux.resources.devices"));
    return with_context(sys::attach_device_program(cg.get(), prog.get()), ".linux.resources.devices: " + quote(dir));
}

Result<> apply_hugetlb(const std::string& dir, const std::vector<spec::HugepageLimit>& limits) {
    for (size_t i = 0; i < limits.size(); ++i) {
        const auto& l = limits[i];
        std::string field = ".linux.resources.hugepageLimits[" + std::to_string(i) + "]";
        std::string file = "hugetlb." + l.page_size + ".max";
        if (!has_file(dir, file)) return unsupported(field + ".pageSize", "no huge page size " + quote(l.page_size) + " here");
        STRATA_TRY(write_field(dir, file, std::to_string(l.limit), field));
    }
    return {};
}

Result<> apply_unified(const std::string& dir, const std::map<std::string, std::string>& unified) {
    for (const auto& [key, value] : unified) {
        std::string field = ".linux.resources.unified[" + quote(key) + "]";
        if (key.empty() || key.find('/') != std::string::npos || key.starts_with('.'))
            return error(field + ": not a cgroup interface file name");
        if (!has_file(dir, key)) return unsupported(field, "this cgroup has no file " + quote(key) + " (controller not enabled here?)");
        STRATA_TRY(write_field(dir, key, value, field));
    }
    return {};
}

Result<> enable_controllers(const std::string& base, const std::string& dir,
                            const std::vector<std::string>& controllers) {
    if (controllers.empty()) return {};
    std::vector<std::string> chain;  // base .. parent of dir
    for (std::string p = sys::dirname(dir); p.size() >= base.size(); p = sys::dirname(p)) {
        chain.push_back(p);
        if (p == base || p == "/") break;
    }
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
        std::string available = STRATA_TRY(read_text(*it, "cgroup.controllers"));
        std::string enabled = STRATA_TRY(read_text(*it, "cgroup.subtree_control"));
        auto have = split_nonempty(trim(available), ' ');
        auto on = split_nonempty(trim(enabled), ' ');
        std::string add;
        for (const auto& c : controllers) {
            bool avail = std::find(have.begin(), have.end(), c) != have.end();
            bool already = std::find(on.begin(), on.end(), c) != on.end();
            if (avail && !already) add += (add.empty() ? "+" : " +") + c;
        }
        if (!add.empty()) STRATA_TRY(write_field(*it, "cgroup.subtree_control", add, "enable controllers in " + quote(*it)));
    }
    return {};
}

}  // namespace strata::cgroup::v2
