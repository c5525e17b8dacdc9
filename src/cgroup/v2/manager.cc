#include "cgroup/v2/manager.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <thread>

#include "base/strings.h"
#include "cgroup/files.h"
#include "cgroup/path.h"
#include "cgroup/v2/common.h"
#include "sys/file.h"

namespace strata::cgroup::v2 {

Result<std::unique_ptr<Manager>> Manager::make(const Layout& layout, const std::string& cgroups_path) {
    const Hierarchy* h = layout.unified_hierarchy();
    if (!h) return error("no cgroup2 hierarchy on this host");
    auto m = std::make_unique<Manager>();
    m->m_root = h->mount_point;
    m->m_dir = cgroup_dir(*h, cgroups_path);
    // Controllers are delegated from the parent of strata's own cgroup (relative paths) or from
    // the root (absolute paths) downwards.
    m->m_base = cgroups_path.starts_with('/') ? h->mount_point
                                              : sys::path_join(h->mount_point, sys::dirname(h->own_path));
    m->m_owns_parent = cgroups_path.starts_with("strata/");
    return m;
}

std::unique_ptr<Manager> Manager::at(const std::string& root, const std::string& dir) {
    auto m = std::make_unique<Manager>();
    m->m_root = root;
    m->m_base = root;
    m->m_dir = dir;
    return m;
}

Result<std::unique_ptr<Manager>> Manager::from_json(const nlohmann::json& j) {
    auto m = std::make_unique<Manager>();
    m->m_root = j.value("root", std::string("/sys/fs/cgroup"));
    m->m_base = j.value("base", m->m_root);
    m->m_dir = j.value("dir", std::string());
    m->m_created = j.value("created", std::vector<std::string>{});
    m->m_owns_parent = j.value("ownsParent", false);
    if (m->m_dir.empty()) return error("cgroup state has no directory");
    m->m_loaded = true;
    return m;
}

nlohmann::json Manager::to_json() const {
    return {{"mode", "v2"}, {"root", m_root}, {"base", m_base}, {"dir", m_dir}, {"created", m_created},
            {"ownsParent", m_owns_parent}};
}

Result<> Manager::create() {
    if (m_fd) return {};  // create_for_clone() did it
    // Another container's delete may remove a parent it made (of a custom cgroupsPath)
    // between our mkdirs:
    // start again from what exists then.
    bool existed = true;
    for (int attempt = 0;; ++attempt) {
        std::vector<std::string> missing;
        for (std::string p = m_dir; !sys::exists(p); p = sys::dirname(p)) missing.push_back(p);
        if (!missing.empty() && missing.front() == m_dir) existed = false;
        bool raced = false;
        for (auto it = missing.rbegin(); it != missing.rend() && !raced; ++it) {
            // Each new level gets the controllers of its parent before the next level is made.
            auto avail = read_text(sys::dirname(*it), "cgroup.controllers");
            if (!avail && avail.error().code == ENOENT && attempt < 20) {
                raced = true;
                break;
            }
            if (!avail) return std::unexpected(avail.error());
            STRATA_TRY(enable_controllers(m_base, *it, split_nonempty(trim(*avail), ' ')));
            if (::mkdir(it->c_str(), 0755) < 0) {
                if (errno == ENOENT && attempt < 20) raced = true;
                else if (errno != EEXIST) return os_error(errno, "create cgroup " + quote(*it));
                continue;
            }
            m_created.push_back(*it);
        }
        if (!raced) break;
    }
    // A directory of the same name left by an earlier container is reused when it is empty (a
    // zombie is not listed); one that holds live processes belongs to someone else.
    if (existed) {
        auto procs = read_text(m_dir, "cgroup.procs");
        if (procs && !trim(*procs).empty())
            return os_error(EBUSY, "cgroup " + quote(m_dir) + " already holds processes (" +
                                       join(split_nonempty(trim(*procs), '\n'), ", ") + "): is another container using it?");
    }
    std::string avail = STRATA_TRY(read_text(sys::dirname(m_dir), "cgroup.controllers"));
    STRATA_TRY(enable_controllers(m_base, m_dir, split_nonempty(trim(avail), ' ')));
    m_fd = STRATA_TRY(sys::open(m_dir, O_RDONLY | O_DIRECTORY));
    return {};
}

Result<int> Manager::create_for_clone() {
    if (m_loaded && !m_fd) m_fd = STRATA_TRY(sys::open(m_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    STRATA_TRY(create());
    return m_fd.get();
}

Result<> Manager::add_process(pid_t pid) {
    return write_field(m_dir, "cgroup.procs", std::to_string(pid), "join cgroup " + quote(m_dir));
}

Result<> Manager::set_frozen(bool frozen) {
    if (!has_file(m_dir, "cgroup.freeze")) return unsupported("freezer", "this kernel has no cgroup.freeze (needs 5.2)");
    STRATA_TRY(write_field(m_dir, "cgroup.freeze", frozen ? "1" : "0", "freezer"));
    for (int i = 0; i < 2000; ++i) {
        auto ev = STRATA_TRY(read_keyed(m_dir, "cgroup.events"));
        if ((ev["frozen"] == 1) == frozen) return {};
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return os_error(ETIMEDOUT, "freezer: " + quote(m_dir) + " did not " + (frozen ? "freeze" : "thaw"));
}

Result<bool> Manager::frozen() const {
    auto ev = read_keyed(m_dir, "cgroup.events");
    if (!ev) return false;
    return (*ev)["frozen"] == 1;
}

Result<std::vector<pid_t>> Manager::pids() const {
    std::string text = STRATA_TRY(read_text(m_dir, "cgroup.procs"));
    std::vector<pid_t> out;
    for (const auto& line : split_nonempty(text, '\n'))
        if (auto v = parse_int(line)) out.push_back(static_cast<pid_t>(*v));
    return out;
}

Result<> Manager::kill_all(int signal) {
    if (signal == SIGKILL && has_file(m_dir, "cgroup.kill")) return write_field(m_dir, "cgroup.kill", "1", "kill all");
    STRATA_TRY(set_frozen(true));
    auto list = pids();
    if (list)
        for (pid_t p : *list) ::kill(p, signal);
    STRATA_TRY(set_frozen(false));
    if (!list) return std::unexpected(list.error());
    return {};
}

Result<UniqueFd> Manager::oom_notifier() {
    // memory.events changes (and notifies inotify watchers) whenever an OOM event is counted.
    int fd = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (fd < 0) return os_error(errno, "inotify_init1");
    UniqueFd owned(fd);
    std::string path = m_dir + "/memory.events";
    if (::inotify_add_watch(fd, path.c_str(), IN_MODIFY) < 0) return os_error(errno, "watch " + quote(path));
    return owned;
}

Result<uint64_t> Manager::oom_kill_count() const {
    if (!has_file(m_dir, "memory.events")) return 0;
    auto ev = STRATA_TRY(read_keyed(m_dir, "memory.events"));
    return ev["oom_kill"];
}

Result<> Manager::destroy() {
    m_fd.reset();
    STRATA_TRY(remove_when_released(m_dir));
    remove_parents();
    return {};
}

bool Manager::remove_if_empty() {
    if (::rmdir(m_dir.c_str()) < 0 && errno != ENOENT) return false;
    m_fd.reset();
    remove_parents();
    return true;
}

void Manager::remove_parents() {
    // The shared "strata" level of the default path stays (v1/manager.cc says why).
    const std::string parent = sys::dirname(m_dir);
    for (auto it = m_created.rbegin(); it != m_created.rend(); ++it)
        if (*it != m_dir && !(m_owns_parent && *it == parent)) (void)::rmdir(it->c_str());
}

}  // namespace strata::cgroup::v2
