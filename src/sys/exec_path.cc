#include "sys/exec_path.h"

#include <sys/stat.h>

#include "base/strings.h"
#include "sys/file.h"

namespace strata::sys {

namespace {
constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

std::optional<std::string> env_lookup(const std::vector<std::string>& env, std::string_view key) {
    for (const auto& e : env)
        if (e.size() > key.size() && e.compare(0, key.size(), key) == 0 && e[key.size()] == '=')
            return e.substr(key.size() + 1);
    return std::nullopt;
}

std::string home_of(uint32_t uid) {
    auto text = read_file("/etc/passwd");
    if (text)
        for (const auto& line : split(*text, '\n')) {
            auto f = split(line, ':');
            if (f.size() >= 6 && parse_uint(f[2]) == uid && !f[5].empty()) return f[5];
        }
    return "/";
}

Result<std::string> find_executable(const std::string& name, const std::vector<std::string>& env,
                                    const std::string& prefix) {
    auto usable = [&](const std::string& p) -> int {
        struct stat st{};
        if (::stat((prefix + p).c_str(), &st) < 0) return errno;
        if (S_ISDIR(st.st_mode)) return EISDIR;
        if (!(st.st_mode & 0111)) return EACCES;
        return 0;
    };
    if (name.find('/') != std::string::npos) {
        if (int err = usable(name)) return os_error(err, "exec " + quote(name));
        return prefix + name;
    }
    std::string path = env_lookup(env, "PATH").value_or(kDefaultPath);
    for (const auto& dir : split(path, ':')) {
        std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
        if (usable(candidate) == 0) return prefix + candidate;
    }
    return os_error(ENOENT, "exec " + quote(name) + ": executable file not found in $PATH");
}

}  // namespace strata::sys
