#include "runtime/container_dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

#include "base/strings.h"
#include "sys/file.h"

namespace strata::runtime {

Result<> validate_id(const std::string& id) {
    if (id.empty()) return error("container id must not be empty");
    if (id == "." || id == "..") return error("invalid container id " + quote(id));
    if (id.size() > 1024) return error("container id is longer than 1024 characters");
    for (unsigned char c : id)
        if (!(std::isalnum(c) || c == '_' || c == '+' || c == '-' || c == '.'))
            return error("invalid container id " + quote(id) + ": only letters, digits and _+-. are allowed");
    return {};
}

namespace {

Result<UniqueFd> lock_dir(const std::string& path) {
    UniqueFd fd = STRATA_TRY(sys::open(path, O_RDONLY | O_DIRECTORY));
    while (::flock(fd.get(), LOCK_EX) < 0) {
        if (errno != EINTR) return os_error(errno, "lock " + quote(path));
    }
    return fd;
}

}  // namespace

Result<ContainerDir> ContainerDir::create(const std::string& root, const std::string& id) {
    STRATA_TRY(validate_id(id));
    if (::mkdir(root.c_str(), 0700) < 0 && errno != EEXIST) {
        if (errno != ENOENT) return os_error(errno, "create state root " + quote(root));
        STRATA_TRY(sys::mkdir_all(root, 0700));
    }
    ContainerDir d;
    d.m_id = id;
    d.m_path = root + "/" + id;
    if (::mkdir(d.m_path.c_str(), 0700) < 0) {
        if (errno == EEXIST) return error("container " + quote(id) + " already exists");
        return os_error(errno, "create state directory " + quote(d.m_path));
    }
    auto fd = lock_dir(d.m_path);
    if (!fd) {
        ::rmdir(d.m_path.c_str());
        return std::unexpected(fd.error());
    }
    d.m_fd = std::move(*fd);
    return d;
}

Result<ContainerDir> ContainerDir::open(const std::string& root, const std::string& id) {
    STRATA_TRY(validate_id(id));
    ContainerDir d;
    d.m_id = id;
    d.m_path = root + "/" + id;
    auto fd = lock_dir(d.m_path);
    if (!fd) {
        if (fd.error().code == ENOENT) return error("container " + quote(id) + " does not exist");
        return std::unexpected(fd.error());
    }
    d.m_fd = std::move(*fd);
    // A concurrent delete may have removed the directory while we waited for the lock.
    struct stat st{};
    if (::fstat(d.m_fd.get(), &st) == 0 && st.st_nlink == 0)
        return error("container " + quote(id) + " does not exist");
    return d;
}

Result<State> ContainerDir::load() const {
    auto text = sys::read_file_at(m_fd.get(), "state.json");
    if (!text) {
        if (text.error().code == ENOENT) return error("container " + quote(m_id) + " is still being created or was left half-created");
        return std::unexpected(text.error());
    }
    return State::from_json(*text, m_path + "/state.json");
}

Result<> ContainerDir::save(const State& s) const {
    return sys::write_file_atomic(m_fd.get(), "state.json", s.to_json().dump() + "\n", 0600);
}

Result<> ContainerDir::remove() {
    std::string parent = sys::dirname(m_path);
    UniqueFd pfd = STRATA_TRY(sys::open(parent, O_PATH | O_DIRECTORY));
    STRATA_TRY(sys::remove_tree_at(pfd.get(), sys::basename(m_path)));
    m_fd.reset();
    return {};
}

Result<std::vector<std::string>> list_ids(const std::string& root) {
    std::vector<std::string> ids;
    DIR* d = ::opendir(root.c_str());
    if (!d) {
        if (errno == ENOENT) return ids;
        return os_error(errno, "read state root " + quote(root));
    }
    while (dirent* e = ::readdir(d)) {
        std::string name = e->d_name;
        if (name.starts_with('.') || e->d_type != DT_DIR) continue;
        ids.push_back(name);
    }
    ::closedir(d);
    std::sort(ids.begin(), ids.end());
    return ids;
}

Result<State> peek_state(const std::string& root, const std::string& id) {
    std::string path = root + "/" + id + "/state.json";
    std::string text = STRATA_TRY(sys::read_file(path));
    return State::from_json(text, path);
}

}  // namespace strata::runtime
