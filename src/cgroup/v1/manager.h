#pragma once
// cgroup v1, and hybrid hosts (v1 controllers plus a cgroup2 mount): one directory per mounted
// hierarchy. On hybrid hosts the container also gets a directory on the unified hierarchy, where
// controllers bound to it (hugetlb on this project's CI hosts) are driven the v2 way. Device rules
// are enforced by the v1 devices controller only: the same policy as an eBPF program on the
// unified cgroup would add a BPF_PROG_LOAD (0.4 ms measured) for nothing.

#include <map>
#include <set>

#include "cgroup/manager.h"

namespace strata::cgroup::v1 {

class Manager final : public cgroup::Manager {
public:
    static Result<std::unique_ptr<Manager>> make(const Layout& layout, const std::string& cgroups_path);
    static Result<std::unique_ptr<Manager>> from_json(const nlohmann::json& j);

    Result<> create() override;
    Result<> apply(const spec::Resources& r) override;
    Result<> add_process(pid_t pid) override;
    Result<int> create_for_clone() override;
    Result<std::vector<UniqueFd>> self_join_files() override;
    Result<> set_frozen(bool frozen) override;
    Result<bool> frozen() const override;
    Result<std::vector<pid_t>> pids() const override;
    Result<> kill_all(int signal) override;
    Result<Stats> stats() const override;
    Result<UniqueFd> oom_notifier() override;
    Result<uint64_t> oom_kill_count() const override;
    Result<> destroy() override;
    bool remove_if_empty() override;
    nlohmann::json to_json() const override;
    Mode mode() const override { return m_mode; }

private:
    // The container's directory in the hierarchy holding `controller` ("memory", "unified"), or
    // nullptr when this host has no such hierarchy.
    const std::string* dir(const std::string& controller) const;
    // mkdir -p of one hierarchy's directory, recording what it made.
    Result<> make_dir(const std::string& key, const std::string& path);
    Result<> fill_cpuset(const std::string& path);

    Mode m_mode = Mode::v1;
    std::map<std::string, std::string> m_dirs;  // hierarchy key ("memory", "cpu,cpuacct", "unified") -> dir
    std::vector<std::string> m_created;         // every dir create() made, parents first
    std::set<std::string> m_checked;            // dirs found free of other processes
    void remove_parents();  // the dirs create() made above the container's, if now empty
    bool m_owns_parent = false;  // default path strata/<id>: the shared "strata" level, kept
    std::string m_unified_root;                 // hybrid: the cgroup2 mount point
    UniqueFd m_unified_fd;                      // hybrid: the unified dir, after create_for_clone()
};

}  // namespace strata::cgroup::v1
