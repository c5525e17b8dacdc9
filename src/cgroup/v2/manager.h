#pragma once
// cgroup v2 (the unified hierarchy at /sys/fs/cgroup): one directory, controllers delegated from
// the base down, device rules as an eBPF program, cgroup.freeze and cgroup.kill.

#include "cgroup/manager.h"

namespace strata::cgroup::v2 {

class Manager final : public cgroup::Manager {
public:
    static Result<std::unique_ptr<Manager>> make(const Layout& layout, const std::string& cgroups_path);
    static Result<std::unique_ptr<Manager>> from_json(const nlohmann::json& j);
    // For tests: a manager for `dir` under the cgroup2 mount `root`.
    static std::unique_ptr<Manager> at(const std::string& root, const std::string& dir);

    Result<> create() override;
    Result<> apply(const spec::Resources& r) override;
    Result<> add_process(pid_t pid) override;
    Result<int> create_for_clone() override;
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
    Mode mode() const override { return Mode::v2; }
    const std::string& dir() const { return m_dir; }

private:
    std::string m_root;   // the cgroup2 mount point
    std::string m_base;   // the first directory strata may delegate controllers from
    std::string m_dir;
    std::vector<std::string> m_created;
    void remove_parents();  // the dirs create() made above the container's, if now empty
    bool m_owns_parent = false;  // default path strata/<id>: the shared "strata" level, kept
    UniqueFd m_fd;        // the cgroup's directory, after create()
    bool m_loaded = false;  // from a container's state: the directory exists
};

}  // namespace strata::cgroup::v2
