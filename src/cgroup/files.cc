#include "cgroup/files.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "base/strings.h"
#include "sys/file.h"

namespace strata::cgroup {

Result<> write_field(const std::string& dir, const std::string& file, const std::string& value,
                     const std::string& field) {
    std::string path = dir + "/" + file;
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        if (err == ENOENT)
            return os_error(err, field + ": this host's cgroup has no " + file);
        return os_error(err, field + ": open " + quote(path));
    }
    UniqueFd owned(fd);
    if (::write(fd, value.data(), value.size()) < 0)
        return os_error(errno, field + ": write " + quote(value) + " to " + quote(path));
    return {};
}

bool has_file(const std::string& dir, const std::string& file) {
    return ::access((dir + "/" + file).c_str(), F_OK) == 0;
}

Result<std::string> read_text(const std::string& dir, const std::string& file) {
    return sys::read_file(dir + "/" + file);
}

std::optional<std::optional<uint64_t>> parse_number(const std::string& text) {
    auto t = trim(text);
    if (t == "max") return std::optional<uint64_t>{};
    if (auto v = parse_uint(t)) return std::optional<uint64_t>{*v};
    auto neg = parse_int(t);  // v1 reports -1 for unlimited quotas
    if (neg && *neg < 0) return std::optional<uint64_t>{};
    return std::nullopt;
}

Result<std::optional<uint64_t>> read_number(const std::string& dir, const std::string& file) {
    std::string text = STRATA_TRY(read_text(dir, file));
    auto v = parse_number(text);
    if (!v) return error("parse " + quote(dir + "/" + file) + ": " + quote(std::string(trim(text))));
    return *v;
}

std::map<std::string, uint64_t> parse_keyed(const std::string& text) {
    std::map<std::string, uint64_t> out;
    for (const auto& line : split_nonempty(text, '\n')) {
        auto parts = split_nonempty(line, ' ');
        if (parts.size() != 2) continue;
        if (auto v = parse_uint(parts[1])) out[parts[0]] = *v;
    }
    return out;
}

Result<std::map<std::string, uint64_t>> read_keyed(const std::string& dir, const std::string& file) {
    return parse_keyed(STRATA_TRY(read_text(dir, file)));
}

std::unexpected<Error> unsupported(const std::string& field, const std::string& why) {
    return std::unexpected(Error{EOPNOTSUPP, field + ": " + why});
}

namespace {

// Sub-cgroups the container made itself (with a cgroup namespace, systemd or a nested runtime
// does): rmdir cannot take a cgroup that still has children. Depth first; errors are left for
// the parent's rmdir to report.
void remove_children(const std::string& dir) {
    for (const auto& name : subdirectories(dir)) {
        std::string s = dir + "/" + name;
        remove_children(s);
        (void)::rmdir(s.c_str());
    }
}

}  // namespace

std::vector<std::string> subdirectories(const std::string& dir) {
    std::vector<std::string> subs;
    auto fd = sys::open(dir, O_RDONLY | O_DIRECTORY);
    if (!fd) return subs;
    DIR* d = ::fdopendir(fd->get());
    if (!d) return subs;
    (void)fd->release();
    while (dirent* e = ::readdir(d))
        if (e->d_type == DT_DIR && std::string_view(e->d_name) != "." && std::string_view(e->d_name) != "..")
            subs.push_back(e->d_name);
    ::closedir(d);
    return subs;
}

Result<> remove_when_released(const std::string& dir) {
    for (int attempt = 0;; ++attempt) {
        if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return {};
        int err = errno;
        if (err != EBUSY || attempt >= 200) {
            std::string why;
            if (err == EBUSY) {
                auto procs = read_text(dir, "cgroup.procs");
                why = procs && !trim(*procs).empty()
                          ? " (it still holds pids " + join(split_nonempty(trim(*procs), '\n'), ", ") + ")"
                          : " (no process is listed in it: a process still exiting, or a sub-cgroup)";
            }
            return os_error(err, "remove cgroup " + quote(dir) + why);
        }
        if (attempt == 0) remove_children(dir);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

}  // namespace strata::cgroup
