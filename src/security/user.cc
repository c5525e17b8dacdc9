#include "security/user.h"

#include <grp.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <vector>

#include "base/strings.h"
#include "sys/file.h"

namespace strata::security {

Result<> switch_user(const spec::User& user) {
    // Raw syscalls: glibc's wrappers broadcast to all threads (harmless here, single-threaded)
    // but the raw call keeps the step list exact and free of libc's setxid machinery.
    std::vector<gid_t> groups(user.additional_gids.begin(), user.additional_gids.end());
    if (::syscall(SYS_setgroups, groups.size(), groups.data()) < 0) {
        // In a user namespace with setgroups denied, dropping all groups is the best possible.
        if (!(errno == EPERM && groups.empty()))
            return os_error(errno, "setgroups " + std::to_string(groups.size()) + " groups");
    }
    if (::syscall(SYS_setresgid, user.gid, user.gid, user.gid) < 0)
        return os_error(errno, "setgid " + std::to_string(user.gid));
    if (::syscall(SYS_setresuid, user.uid, user.uid, user.uid) < 0)
        return os_error(errno, "setuid " + std::to_string(user.uid));
    if (user.umask) ::umask(static_cast<mode_t>(*user.umask));
    return {};
}

Result<std::pair<uint32_t, std::optional<uint32_t>>> resolve_user(const std::string& spec_user) {
    auto parts = split(spec_user, ':');
    // The entry of `name` in an /etc/passwd- or /etc/group-style file, split into its fields.
    auto lookup = [](const std::string& file, const std::string& name) -> std::optional<std::vector<std::string>> {
        auto text = sys::read_file(file);
        if (!text) return std::nullopt;
        for (const auto& line : split(*text, '\n')) {
            auto f = split(line, ':');
            if (f.size() >= 3 && f[0] == name && parse_uint(f[2])) return f;
        }
        return std::nullopt;
    };
    std::pair<uint32_t, std::optional<uint32_t>> out{0, std::nullopt};
    if (auto v = parse_uint(parts[0])) {
        out.first = static_cast<uint32_t>(*v);
    } else if (auto pw = lookup("/etc/passwd", parts[0])) {
        out.first = static_cast<uint32_t>(*parse_uint((*pw)[2]));
        // A user named without a group gets its own primary group, as login and Docker do.
        if (pw->size() >= 4)
            if (auto g = parse_uint((*pw)[3])) out.second = static_cast<uint32_t>(*g);
    } else {
        return error("--user " + quote(spec_user) + ": no such user in the container's /etc/passwd");
    }
    if (parts.size() > 1) {
        if (auto v = parse_uint(parts[1])) out.second = static_cast<uint32_t>(*v);
        else if (auto gr = lookup("/etc/group", parts[1])) out.second = static_cast<uint32_t>(*parse_uint((*gr)[2]));
        else return error("--user " + quote(spec_user) + ": no such group in the container's /etc/group");
    }
    return out;
}

}  // namespace strata::security
