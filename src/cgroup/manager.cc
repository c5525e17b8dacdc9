#include "cgroup/manager.h"

#include <linux/sched.h>
#include <unistd.h>

#include "base/log.h"
#include "base/strings.h"
#include "cgroup/path.h"
#include "cgroup/v1/manager.h"
#include "cgroup/v2/manager.h"
#include "sys/file.h"

namespace strata::cgroup {

Result<std::unique_ptr<Manager>> new_manager(const std::string& cgroups_path, const std::string& id) {
    const Layout* layout = STRATA_TRY(host_layout());
    std::string path = cgroups_path.empty() ? default_cgroups_path(id) : cgroups_path;
    // ".." components are resolved lexically and cannot climb above the path's root, as runc's
    // CleanPath does: "/a/../../b" is "/b", "../b" is "b" under the runtime's own cgroup.
    if (path.starts_with('/')) path = sys::clean_path(path);
    else path = sys::clean_path("/" + path).substr(1);
    if (path.empty()) return error("config.json: .linux.cgroupsPath: " + quote(cgroups_path) + " is the runtime's own cgroup");
    if (layout->mode == Mode::v2) return STRATA_TRY(v2::Manager::make(*layout, path));
    return STRATA_TRY(v1::Manager::make(*layout, path));
}

Result<Clone> clone_into(Manager& m, sys::CloneArgs args) {
    int into = STRATA_TRY(m.create_for_clone());
    if (into >= 0) {
        args.flags |= CLONE_INTO_CGROUP;
        args.cgroup_fd = into;
    }
    Clone c{sys::clone3(args)};
    if (!c.child && into >= 0) {
        log::debug("clone3 into the cgroup: " + c.child.error().message() + "; cloning, then moving the process");
        args.flags &= ~static_cast<uint64_t>(CLONE_INTO_CGROUP);
        c.child = sys::clone3(args);
        c.self_join = false;
    }
    return c;
}

Result<std::vector<UniqueFd>> admit(Manager& m, const Clone& c, pid_t pid) {
    if (c.self_join) return m.self_join_files();
    STRATA_TRY(m.add_process(pid));
    return std::vector<UniqueFd>{};
}

Result<> join_self(const std::vector<UniqueFd>& tasks_files) {
    for (const auto& f : tasks_files)
        if (::write(f.get(), "0", 1) < 0) {
            int err = errno;
            std::string path = sys::readlink("/proc/self/fd/" + std::to_string(f.get())).value_or("a cgroup tasks file");
            return os_error(err, "join cgroup: write \"0\" to " + quote(path));
        }
    return {};
}

Result<std::unique_ptr<Manager>> load_manager(const nlohmann::json& saved) {
    if (!saved.is_object() || !saved.contains("mode")) return error("no cgroup recorded");
    if (saved["mode"] == "v2") return STRATA_TRY(v2::Manager::from_json(saved));
    return STRATA_TRY(v1::Manager::from_json(saved));
}

}  // namespace strata::cgroup
