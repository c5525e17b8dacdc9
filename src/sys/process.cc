#include "sys/process.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "base/strings.h"
#include "sys/file.h"

namespace strata::sys {

Result<Child> clone3(const CloneArgs& args) {
    clone_args ca{};
    int pidfd = -1;
    ca.flags = args.flags;
    ca.exit_signal = static_cast<uint64_t>(args.exit_signal);
    if (args.flags & CLONE_PIDFD) ca.pidfd = reinterpret_cast<uint64_t>(&pidfd);
    if (args.flags & CLONE_INTO_CGROUP) ca.cgroup = static_cast<uint64_t>(args.cgroup_fd);
    long rc = ::syscall(SYS_clone3, &ca, sizeof ca);
    if (rc < 0) return os_error(errno, "clone3");
    Child c;
    c.pid = static_cast<pid_t>(rc);
    if (rc > 0 && pidfd >= 0) c.pidfd.reset(pidfd);
    return c;
}

Result<UniqueFd> pidfd_open(pid_t pid) {
    // Raw syscalls: glibc 2.36's <sys/pidfd.h> lacks extern "C" and does not link from C++.
    int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (fd < 0) return os_error(errno, "pidfd_open " + std::to_string(pid));
    return UniqueFd(fd);
}

Result<> pidfd_send_signal(int pidfd, int sig) {
    if (::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0) < 0)
        return os_error(errno, "send signal " + std::to_string(sig));
    return {};
}

Result<> kill(pid_t pid, int sig) {
    if (::kill(pid, sig) < 0)
        return os_error(errno, "kill " + std::to_string(pid) + " with signal " + std::to_string(sig));
    return {};
}

int exit_status_from_wait(int wstatus) {
    if (WIFEXITED(wstatus)) return WEXITSTATUS(wstatus);
    if (WIFSIGNALED(wstatus)) return 128 + WTERMSIG(wstatus);
    return 255;
}

Result<int> wait_exit_status(pid_t pid) {
    int st = 0;
    for (;;) {
        pid_t r = ::waitpid(pid, &st, 0);
        if (r == pid) return exit_status_from_wait(st);
        if (r < 0 && errno != EINTR) return os_error(errno, "wait for " + std::to_string(pid));
    }
}

Result<std::optional<int>> try_wait_exit_status(pid_t pid) {
    int st = 0;
    pid_t r = ::waitpid(pid, &st, WNOHANG);
    if (r < 0) return os_error(errno, "wait for " + std::to_string(pid));
    if (r == 0) return std::optional<int>{};
    return std::optional<int>{exit_status_from_wait(st)};
}

namespace {

// Fields after the ")" that ends comm (which may itself contain spaces and parentheses).
Result<std::vector<std::string>> stat_fields(pid_t pid) {
    std::string text = STRATA_TRY(read_file("/proc/" + std::to_string(pid) + "/stat"));
    size_t close = text.rfind(')');
    if (close == std::string::npos) return error("parse /proc/" + std::to_string(pid) + "/stat");
    return split_nonempty(std::string_view(text).substr(close + 1), ' ');
}

}  // namespace

Result<uint64_t> process_start_time(pid_t pid) {
    auto fields = STRATA_TRY(stat_fields(pid));
    // After comm: state is field 3, starttime is field 22 -> index 19.
    if (fields.size() < 20) return error("parse /proc/" + std::to_string(pid) + "/stat");
    auto v = parse_uint(fields[19]);
    if (!v) return error("parse start time of " + std::to_string(pid));
    return *v;
}

bool process_alive(pid_t pid, uint64_t start_time) {
    if (pid <= 0) return false;
    auto fields = stat_fields(pid);
    if (!fields || fields->size() < 20) return false;
    if ((*fields)[0] == "Z" || (*fields)[0] == "X") return false;
    auto st = parse_uint((*fields)[19]);
    return st && (start_time == 0 || *st == start_time);
}

std::string describe_process(pid_t pid) {
    std::string who = "pid " + std::to_string(pid);
    auto text = read_file("/proc/" + std::to_string(pid) + "/stat");
    size_t open = text ? text->find('(') : std::string::npos;
    size_t close = text ? text->rfind(')') : std::string::npos;
    if (open == std::string::npos || close == std::string::npos || close < open) return who + " (gone)";
    auto f = split_nonempty(std::string_view(*text).substr(close + 1), ' ');
    std::string comm = text->substr(open + 1, close - open - 1);
    if (f.size() < 2) return who + " (" + comm + ")";
    std::string state = f[0] == "Z" ? "a zombie" : "state " + f[0];
    return who + " (" + comm + ", " + state + ", parent " + f[1] + ")";
}

Result<> set_child_subreaper() {
    if (::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
        return os_error(errno, "prctl PR_SET_CHILD_SUBREAPER");
    return {};
}

Result<> set_dumpable(bool dumpable) {
    if (::prctl(PR_SET_DUMPABLE, dumpable ? 1 : 0, 0, 0, 0) < 0)
        return os_error(errno, "prctl PR_SET_DUMPABLE");
    return {};
}

Result<> set_no_new_privs() {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return os_error(errno, "prctl PR_SET_NO_NEW_PRIVS");
    return {};
}

Result<> set_parent_death_signal(int sig) {
    if (::prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0) < 0) return os_error(errno, "prctl PR_SET_PDEATHSIG");
    return {};
}

Result<> set_name(const std::string& name) {
    if (::prctl(PR_SET_NAME, name.c_str(), 0, 0, 0) < 0) return os_error(errno, "prctl PR_SET_NAME");
    return {};
}

Result<> cloexec_from(int first) {
    if (::close_range(static_cast<unsigned>(first), ~0U, CLOSE_RANGE_CLOEXEC) == 0) return {};
    const int err = errno;
    // Kernels before 5.11 (no CLOSE_RANGE_CLOEXEC: EINVAL) or before 5.9 (ENOSYS), and seccomp
    // profiles without close_range (EPERM, or ENOSYS from the stub): mark each open fd instead.
    if (err != EINVAL && err != ENOSYS && err != EPERM) return os_error(err, "close_range from " + std::to_string(first));
    int dfd = ::open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return os_error(errno, "close_range from " + std::to_string(first) + " (" + strerrorname_np(err) + "): open /proc/self/fd");
    DIR* d = ::fdopendir(dfd);
    if (!d) {
        const int e = errno;
        ::close(dfd);
        return os_error(e, "read /proc/self/fd");
    }
    while (dirent* e = ::readdir(d)) {
        char* end = nullptr;
        long fd = std::strtol(e->d_name, &end, 10);
        if (end == e->d_name || *end != '\0' || fd < first || fd == dfd) continue;
        int flags = ::fcntl(static_cast<int>(fd), F_GETFD);
        if (flags >= 0 && ::fcntl(static_cast<int>(fd), F_SETFD, flags | FD_CLOEXEC) < 0) {
            const int e2 = errno;
            ::closedir(d);
            return os_error(e2, "mark fd " + std::to_string(fd) + " close-on-exec");
        }
    }
    ::closedir(d);
    return {};
}

}  // namespace strata::sys
