#include "cgroup/v1/manager.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>
#include <thread>

#include "base/strings.h"
#include "cgroup/files.h"
#include "cgroup/path.h"
#include "sys/file.h"

namespace strata::cgroup::v1 {

Result<std::unique_ptr<Manager>> Manager::make(const Layout& layout, const std::string& cgroups_path) {
    auto m = std::make_unique<Manager>();
    m->m_mode = layout.mode;
    for (const auto& h : layout.hierarchies) {
        std::string key = h.unified() ? "unified" : h.mount_options();
        m->m_dirs[key] = cgroup_dir(h, cgroups_path);
        if (h.unified()) m->m_unified_root = h.mount_point;
    }
    m->m_owns_parent = cgroups_path.starts_with("strata/");
    return m;
}

Result<std::unique_ptr<Manager>> Manager::from_json(const nlohmann::json& j) {
    auto m = std::make_unique<Manager>();
    m->m_mode = j.value("mode", std::string("v1")) == "hybrid" ? Mode::hybrid : Mode::v1;
    m->m_dirs = j.value("dirs", std::map<std::string, std::string>{});
    m->m_created = j.value("created", std::vector<std::string>{});
    m->m_unified_root = j.value("unifiedRoot", std::string());
    m->m_owns_parent = j.value("ownsParent", false);
    return m;
}

nlohmann::json Manager::to_json() const {
    return {{"mode", std::string(mode_name(m_mode))}, {"dirs", m_dirs}, {"created", m_created},
            {"unifiedRoot", m_unified_root}, {"ownsParent", m_owns_parent}};
}

const std::string* Manager::dir(const std::string& controller) const {
    for (const auto& [key, path] : m_dirs) {
        if (key == controller) return &path;
        for (const auto& c : split(key, ','))
            if (c == controller) return &path;
    }
    return nullptr;
}

Result<> Manager::make_dir(const std::string& key, const std::string& path) {
    // Usually the parents exist and the name is new: one mkdir. A new cgroup is empty, so it
    // needs no check that someone else uses it.
    bool fresh = ::mkdir(path.c_str(), 0755) == 0;
    if (fresh) {
        m_created.push_back(path);
    } else if (errno == ENOENT) {
        // Another container's delete may remove a parent it made (of a custom cgroupsPath)
        // between our mkdirs:
        // start again from what exists then.
        for (int attempt = 0;; ++attempt) {
            std::vector<std::string> missing;
            for (std::string p = path; !sys::exists(p); p = sys::dirname(p)) missing.push_back(p);
            bool raced = false;
            for (auto it = missing.rbegin(); it != missing.rend() && !raced; ++it) {
                if (::mkdir(it->c_str(), 0755) < 0) {
                    if (errno == ENOENT && attempt < 20) raced = true;
                    else if (errno != EEXIST) return os_error(errno, "create cgroup " + quote(*it));
                    continue;
                }
                m_created.push_back(*it);
                if (*it == path) fresh = true;
            }
            if (!raced) break;
        }
    } else if (errno != EEXIST) {
        return os_error(errno, "create cgroup " + quote(path));
    }
    if (key == "cpuset") STRATA_TRY(fill_cpuset(path));
    // A directory of the same name left by an earlier container is reused when it is empty (a
    // zombie is not listed and does not keep it); one that holds live processes belongs to
    // someone else (runc refuses it too).
    if (!fresh && key != "unified" && m_checked.insert(path).second) {
        auto procs = read_text(path, "cgroup.procs");
        if (procs && !trim(*procs).empty())
            return os_error(EBUSY, "cgroup " + quote(path) + " already holds processes (" +
                                       join(split_nonempty(trim(*procs), '\n'), ", ") + "): is another container using it?");
    }
    return {};
}

// A new v1 cpuset has empty cpuset.cpus and cpuset.mems, and no task can join it (ENOSPC) until
// both are set. Every level from the hierarchy's root down is checked, not only the levels this
// process made: a concurrent create may have made a shared parent and not filled it yet, or a
// killed one may have left it empty.
Result<> Manager::fill_cpuset(const std::string& path) {
    std::vector<std::string> chain;
    for (std::string p = path; p.size() > 1 && has_file(sys::dirname(p), "cpuset.cpus"); p = sys::dirname(p))
        chain.push_back(p);
    for (auto it = chain.rbegin(); it != chain.rend(); ++it)
        for (const char* f : {"cpuset.cpus", "cpuset.mems"}) {
            std::string mine = STRATA_TRY(read_text(*it, f));
            if (!trim(mine).empty()) continue;
            std::string v = STRATA_TRY(read_text(sys::dirname(*it), f));
            STRATA_TRY(write_field(*it, f, std::string(trim(v)), "cgroup " + quote(*it)));
        }
    return {};
}

Result<> Manager::create() {
    for (const auto& [key, path] : m_dirs) STRATA_TRY(make_dir(key, path));
    return {};
}

Result<int> Manager::create_for_clone() {
    const std::string* unified = dir("unified");
    if (!unified) return -1;
    STRATA_TRY(make_dir("unified", *unified));
    m_unified_fd = STRATA_TRY(sys::open(*unified, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    return m_unified_fd.get();
}

Result<std::vector<UniqueFd>> Manager::self_join_files() {
    std::vector<UniqueFd> fds;
    for (const auto& [key, path] : m_dirs) {
        if (key == "unified") continue;  // joined by clone3, or by add_process()
        fds.push_back(STRATA_TRY(sys::open(path + "/tasks", O_WRONLY | O_CLOEXEC)));
    }
    return fds;
}

Result<> Manager::add_process(pid_t pid) {
    std::string p = std::to_string(pid);
    for (const auto& [key, path] : m_dirs)
        STRATA_TRY(write_field(path, "cgroup.procs", p, "join cgroup " + quote(path)));
    return {};
}

Result<> Manager::set_frozen(bool frozen) {
    const std::string* d = dir("freezer");
    if (!d) return unsupported("freezer", "this host has no freezer hierarchy");
    STRATA_TRY(write_field(*d, "freezer.state", frozen ? "FROZEN" : "THAWED", "freezer"));
    // Freezing is asynchronous: FREEZING until every task has stopped.
    for (int i = 0; i < 2000; ++i) {
        std::string s = STRATA_TRY(read_text(*d, "freezer.state"));
        if (trim(s) == (frozen ? "FROZEN" : "THAWED")) return {};
        if (frozen) (void)write_field(*d, "freezer.state", "FROZEN", "freezer");
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return os_error(ETIMEDOUT, "freezer: " + quote(*d) + " did not reach " + (frozen ? "FROZEN" : "THAWED"));
}

Result<bool> Manager::frozen() const {
    const std::string* d = dir("freezer");
    if (!d) return false;
    auto s = read_text(*d, "freezer.state");
    if (!s) return false;  // already removed
    return trim(*s) == "FROZEN";
}

Result<std::vector<pid_t>> Manager::pids() const {
    // Every hierarchy normally holds every process of the container, but not while one joins (the
    // init is in the unified hierarchy from its clone and in the v1 ones only once it has written
    // their `tasks`): the union, so that delete misses none.
    // Sub-cgroups the container made count too (runc's GetAllPids walks them as well).
    std::set<pid_t> all;
    bool any = false;
    for (const auto& [key, path] : m_dirs) {
        std::vector<std::string> todo{path};
        while (!todo.empty()) {
            std::string d = std::move(todo.back());
            todo.pop_back();
            auto text = read_text(d, "cgroup.procs");
            if (!text) continue;
            any = true;
            for (const auto& line : split_nonempty(*text, '\n'))
                if (auto v = parse_int(line)) all.insert(static_cast<pid_t>(*v));
            for (const auto& sub : subdirectories(d)) todo.push_back(d + "/" + sub);
        }
    }
    if (!any && !m_dirs.empty()) return std::unexpected(read_text(m_dirs.begin()->second, "cgroup.procs").error());
    return std::vector<pid_t>(all.begin(), all.end());
}

Result<> Manager::kill_all(int signal) {
    const std::string* uni = dir("unified");
    bool killed_unified = false;
    if (signal == SIGKILL && uni && has_file(*uni, "cgroup.kill"))
        killed_unified = bool(write_field(*uni, "cgroup.kill", "1", "kill all"));
    if (killed_unified) {
        // Processes in the v1 hierarchies only: one that has not joined the unified one yet
        // (delete repeats this until the cgroups are empty, so a child it forks meanwhile goes
        // too). No freeze: the unified hierarchy's kill already stopped every fork there.
        if (auto list = pids())
            for (pid_t p : *list) ::kill(p, signal);
        return {};
    }
    // Freeze first so nothing forks between reading the list and signalling it.
    bool can_freeze = dir("freezer") != nullptr;
    if (can_freeze) STRATA_TRY(set_frozen(true));
    auto list = pids();
    if (list)
        for (pid_t p : *list) ::kill(p, signal);
    if (can_freeze) STRATA_TRY(set_frozen(false));
    if (!list) return std::unexpected(list.error());
    return {};
}

Result<UniqueFd> Manager::oom_notifier() {
    const std::string* d = dir("memory");
    if (!d) return unsupported("memory", "this host has no memory hierarchy");
    int efd = ::eventfd(0, EFD_CLOEXEC);
    if (efd < 0) return os_error(errno, "eventfd");
    UniqueFd ev(efd);
    UniqueFd oc = STRATA_TRY(sys::open(*d + "/memory.oom_control", O_RDONLY));
    std::string reg = std::to_string(efd) + " " + std::to_string(oc.get());
    STRATA_TRY(write_field(*d, "cgroup.event_control", reg, "OOM notification"));
    return ev;  // the registration lives as long as the eventfd
}

Result<uint64_t> Manager::oom_kill_count() const {
    const std::string* d = dir("memory");
    if (!d) return 0;
    auto m = STRATA_TRY(read_keyed(*d, "memory.oom_control"));
    return m.count("oom_kill") ? m["oom_kill"] : 0;
}

Result<> Manager::destroy() {
    // The container's own dirs must go; the shared parents we made only if now empty.
    for (const auto& [key, path] : m_dirs) STRATA_TRY(remove_when_released(path));
    remove_parents();
    return {};
}

bool Manager::remove_if_empty() {
    for (const auto& [key, path] : m_dirs)
        if (::rmdir(path.c_str()) < 0 && errno != ENOENT) return false;
    remove_parents();
    return true;
}

void Manager::remove_parents() {
    // The shared "strata" level of the default path stays: removing it with the last container
    // made every `run` remove and remake it in each hierarchy (with the cpuset copy), 0.7 ms of
    // about 8 (docs/design/runtime.md), and raced with a concurrent create's mkdir.
    std::set<std::string> keep;
    for (const auto& [key, path] : m_dirs) {
        keep.insert(path);
        if (m_owns_parent) keep.insert(sys::dirname(path));
    }
    for (auto it = m_created.rbegin(); it != m_created.rend(); ++it)
        if (!keep.count(*it)) (void)::rmdir(it->c_str());
}

}  // namespace strata::cgroup::v1
