#include "security/user.h"

#include <grp.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <vector>

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

}  // namespace strata::security
