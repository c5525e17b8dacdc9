// The default seccomp profile as a table: moby's profiles/seccomp/default_linux.go (the list
// Docker and, in containers-common, Podman ship), with each rule's conditions (capability,
// architecture) kept as data and resolved when the profile is written.
//
// Decisions that differ from Docker's, and why:
// - ptrace, process_vm_readv and process_vm_writev need CAP_SYS_PTRACE. Docker allows them
//   unconditionally on kernels >= 4.8 (where ptrace can no longer bypass seccomp), but they still
//   let a process read and rewrite every other process of the same user in the container; strata
//   denies that by default. Debuggers work once CAP_SYS_PTRACE is added.
// - io_uring_setup, io_uring_enter and io_uring_register are denied (the default action, EPERM):
//   the operations of a ring run in the kernel without passing the filter, so they would
//   bypass seccomp. Docker 25 (moby#46762) and containerd 2.0 removed them from their defaults.
// - Only syscalls this project's libseccomp (2.5.4) knows are listed; anything newer is not
//   named, so the runtime answers it with ENOSYS (see security/seccomp/enosys.h) and libc falls
//   back to the older call.

#include "spec/default_seccomp.h"

#include <linux/sched.h>
#include <sched.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>

namespace strata::spec {
namespace {

using json = nlohmann::json;

enum class Arch { any, x86, arm, s390, riscv, ppc };

struct Arg {
    uint32_t index;
    uint64_t value;
    const char* op;
};

struct Rule {
    std::vector<const char*> names;
    const char* action = "SCMP_ACT_ALLOW";
    std::optional<uint32_t> errno_ret{};
    std::vector<Arg> args{};
    const char* with_cap = nullptr;     // only when the process has this capability
    const char* without_cap = nullptr;  // only when it does not
    Arch arch = Arch::any;              // only on this architecture family
};

#if defined(__x86_64__) || defined(__i386__)
constexpr Arch kHost = Arch::x86;
#elif defined(__aarch64__) || defined(__arm__)
constexpr Arch kHost = Arch::arm;
#elif defined(__s390x__) || defined(__s390__)
constexpr Arch kHost = Arch::s390;
#elif defined(__riscv)
constexpr Arch kHost = Arch::riscv;
#elif defined(__powerpc64__)
constexpr Arch kHost = Arch::ppc;
#else
constexpr Arch kHost = Arch::any;
#endif

// The architectures a filter for this host must cover (the 32-bit and x32 ABIs run here too).
std::vector<const char*> host_architectures() {
#if defined(__x86_64__)
    return {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};
#elif defined(__aarch64__)
    return {"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"};
#elif defined(__s390x__)
    return {"SCMP_ARCH_S390X", "SCMP_ARCH_S390"};
#elif defined(__riscv)
    return {"SCMP_ARCH_RISCV64"};
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return {"SCMP_ARCH_PPC64LE"};
#else
    return {};  // libseccomp's native architecture only
#endif
}

// clone's flags are its first argument, except on s390 where they are the second.
constexpr uint32_t kCloneFlagsArg = kHost == Arch::s390 ? 1 : 0;
constexpr uint64_t kNamespaceFlags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |
                                     CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP;

const std::vector<Rule>& rules() {
    static const std::vector<Rule> table = {
        {.names = {"accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "cachestat", "capget",
          "capset", "chdir", "chmod", "chown", "chown32", "clock_adjtime", "clock_adjtime64",
          "clock_getres", "clock_getres_time64", "clock_gettime", "clock_gettime64",
          "clock_nanosleep", "clock_nanosleep_time64", "close", "close_range", "connect",
          "copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create", "epoll_create1",
          "epoll_ctl", "epoll_ctl_old", "epoll_pwait", "epoll_pwait2", "epoll_wait",
          "epoll_wait_old", "eventfd", "eventfd2", "execve", "execveat", "exit", "exit_group",
          "faccessat", "faccessat2", "fadvise64", "fadvise64_64", "fallocate", "fanotify_mark",
          "fchdir", "fchmod", "fchmodat", "fchmodat2", "fchown", "fchown32", "fchownat", "fcntl",
          "fcntl64", "fdatasync", "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr",
          "fsetxattr", "fstat", "fstat64", "fstatat64", "fstatfs", "fstatfs64", "fsync",
          "ftruncate", "ftruncate64", "futex", "futex_requeue", "futex_time64", "futex_wait",
          "futex_waitv", "futex_wake", "futimesat", "getcpu", "getcwd", "getdents", "getdents64",
          "getegid", "getegid32", "geteuid", "geteuid32", "getgid", "getgid32", "getgroups",
          "getgroups32", "getitimer", "getpeername", "getpgid", "getpgrp", "getpid", "getppid",
          "getpriority", "getrandom", "getresgid", "getresgid32", "getresuid", "getresuid32",
          "getrlimit", "get_robust_list", "getrusage", "getsid", "getsockname", "getsockopt",
          "get_thread_area", "gettid", "gettimeofday", "getuid", "getuid32", "getxattr",
          "inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch", "io_cancel",
          "ioctl", "io_destroy", "io_getevents", "io_pgetevents", "io_pgetevents_time64",
          "ioprio_get", "ioprio_set", "io_setup", "io_submit", "ipc", "kill", "landlock_add_rule",
          "landlock_create_ruleset", "landlock_restrict_self", "lchown", "lchown32", "lgetxattr",
          "link", "linkat", "listen", "listxattr", "llistxattr", "_llseek", "lremovexattr",
          "lseek", "lsetxattr", "lstat", "lstat64", "madvise", "map_shadow_stack", "membarrier",
          "memfd_create", "memfd_secret", "mincore", "mkdir", "mkdirat", "mknod", "mknodat",
          "mlock", "mlock2", "mlockall", "mmap", "mmap2", "mprotect", "mq_getsetattr",
          "mq_notify", "mq_open", "mq_timedreceive", "mq_timedreceive_time64", "mq_timedsend",
          "mq_timedsend_time64", "mq_unlink", "mremap", "msgctl", "msgget", "msgrcv", "msgsnd",
          "msync", "munlock", "munlockall", "munmap", "name_to_handle_at", "nanosleep",
          "newfstatat", "_newselect", "open", "openat", "openat2", "pause", "pidfd_open",
          "pidfd_send_signal", "pipe", "pipe2", "pkey_alloc", "pkey_free", "pkey_mprotect",
          "poll", "ppoll", "ppoll_time64", "prctl", "pread64", "preadv", "preadv2", "prlimit64",
          "process_mrelease", "pselect6", "pselect6_time64", "pwrite64", "pwritev", "pwritev2",
          "read", "readahead", "readlink", "readlinkat", "readv", "recv", "recvfrom", "recvmmsg",
          "recvmmsg_time64", "recvmsg", "remap_file_pages", "removexattr", "rename", "renameat",
          "renameat2", "restart_syscall", "rmdir", "rseq", "rt_sigaction", "rt_sigpending",
          "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend",
          "rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_tgsigqueueinfo", "sched_getaffinity",
          "sched_getattr", "sched_getparam", "sched_get_priority_max", "sched_get_priority_min",
          "sched_getscheduler", "sched_rr_get_interval", "sched_rr_get_interval_time64",
          "sched_setaffinity", "sched_setattr", "sched_setparam", "sched_setscheduler",
          "sched_yield", "seccomp", "select", "semctl", "semget", "semop", "semtimedop",
          "semtimedop_time64", "send", "sendfile", "sendfile64", "sendmmsg", "sendmsg", "sendto",
          "setfsgid", "setfsgid32", "setfsuid", "setfsuid32", "setgid", "setgid32", "setgroups",
          "setgroups32", "setitimer", "setpgid", "setpriority", "setregid", "setregid32",
          "setresgid", "setresgid32", "setresuid", "setresuid32", "setreuid", "setreuid32",
          "setrlimit", "set_robust_list", "setsid", "setsockopt", "set_thread_area",
          "set_tid_address", "setuid", "setuid32", "setxattr", "shmat", "shmctl", "shmdt",
          "shmget", "shutdown", "sigaltstack", "signalfd", "signalfd4", "sigprocmask",
          "sigreturn", "socketcall", "socketpair", "splice", "stat", "stat64", "statfs",
          "statfs64", "statx", "symlink", "symlinkat", "sync", "sync_file_range", "syncfs",
          "sysinfo", "tee", "tgkill", "time", "timer_create", "timer_delete", "timer_getoverrun",
          "timer_gettime", "timer_gettime64", "timer_settime", "timer_settime64",
          "timerfd_create", "timerfd_gettime", "timerfd_gettime64", "timerfd_settime",
          "timerfd_settime64", "times", "tkill", "truncate", "truncate64", "ugetrlimit", "umask",
          "uname", "unlink", "unlinkat", "utime", "utimensat", "utimensat_time64", "utimes",
          "vfork", "vmsplice", "wait4", "waitid", "waitpid", "write", "writev"}},
        // vsock reaches the host (or a hypervisor) past the network namespace.
        {.names = {"socket"}, .args = {{0, AF_VSOCK, "SCMP_CMP_NE"}}},
        // personality: only the harmless personas (Linux, UNAME26, ADDR_NO_RANDOMIZE and the
        // query 0xffffffff); one rule each, so they OR.
        {.names = {"personality"}, .args = {{0, 0x0, "SCMP_CMP_EQ"}}},
        {.names = {"personality"}, .args = {{0, 0x0008, "SCMP_CMP_EQ"}}},
        {.names = {"personality"}, .args = {{0, 0x20000, "SCMP_CMP_EQ"}}},
        {.names = {"personality"}, .args = {{0, 0x20008, "SCMP_CMP_EQ"}}},
        {.names = {"personality"}, .args = {{0, 0xffffffff, "SCMP_CMP_EQ"}}},
        {.names = {"sync_file_range2", "swapcontext"}, .arch = Arch::ppc},
        {.names = {"arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2", "breakpoint", "cacheflush", "set_tls"},
         .arch = Arch::arm},
        {.names = {"arch_prctl", "modify_ldt"}, .arch = Arch::x86},
        {.names = {"s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr"}, .arch = Arch::s390},
        {.names = {"riscv_flush_icache"}, .arch = Arch::riscv},
        {.names = {"open_by_handle_at"}, .with_cap = "CAP_DAC_READ_SEARCH"},
        {.names = {"bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick",
          "lookup_dcookie", "mount", "mount_setattr", "move_mount", "open_tree", "perf_event_open",
          "quotactl", "quotactl_fd", "setdomainname", "sethostname", "setns", "syslog", "umount",
          "umount2", "unshare"},
         .with_cap = "CAP_SYS_ADMIN"},
        // Without CAP_SYS_ADMIN: clone may not make namespaces (a user namespace would hand out
        // every capability inside it), and clone3, whose flags sit in memory where seccomp
        // cannot see them, reports ENOSYS so that libc falls back to clone.
        {.names = {"clone"}, .args = {{kCloneFlagsArg, kNamespaceFlags, "SCMP_CMP_MASKED_EQ"}}, .without_cap = "CAP_SYS_ADMIN"},
        {.names = {"clone3"}, .action = "SCMP_ACT_ERRNO", .errno_ret = ENOSYS, .without_cap = "CAP_SYS_ADMIN"},
        {.names = {"reboot"}, .with_cap = "CAP_SYS_BOOT"},
        {.names = {"chroot"}, .with_cap = "CAP_SYS_CHROOT"},
        {.names = {"delete_module", "init_module", "finit_module"}, .with_cap = "CAP_SYS_MODULE"},
        {.names = {"acct"}, .with_cap = "CAP_SYS_PACCT"},
        {.names = {"kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev", "ptrace"},
         .with_cap = "CAP_SYS_PTRACE"},
        {.names = {"iopl", "ioperm"}, .with_cap = "CAP_SYS_RAWIO"},
        {.names = {"settimeofday", "stime", "clock_settime", "clock_settime64"}, .with_cap = "CAP_SYS_TIME"},
        {.names = {"vhangup"}, .with_cap = "CAP_SYS_TTY_CONFIG"},
        {.names = {"get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"}, .with_cap = "CAP_SYS_NICE"},
        {.names = {"syslog"}, .with_cap = "CAP_SYSLOG"},
        {.names = {"bpf"}, .with_cap = "CAP_BPF"},
        {.names = {"perf_event_open"}, .with_cap = "CAP_PERFMON"},
    };
    return table;
}

bool applies(const Rule& r, const std::vector<std::string>& caps) {
    auto has = [&](const char* c) { return std::find(caps.begin(), caps.end(), c) != caps.end(); };
    if (r.with_cap && !has(r.with_cap)) return false;
    if (r.without_cap && has(r.without_cap)) return false;
    return r.arch == Arch::any || r.arch == kHost;
}

}  // namespace

json default_seccomp_profile(const std::vector<std::string>& capabilities) {
    json syscalls = json::array();
    for (const auto& r : rules()) {
        if (!applies(r, capabilities)) continue;
        json entry = {{"names", r.names}, {"action", r.action}};
        if (r.errno_ret) entry["errnoRet"] = *r.errno_ret;
        if (!r.args.empty()) {
            json args = json::array();
            for (const auto& a : r.args) args.push_back({{"index", a.index}, {"value", a.value}, {"op", a.op}});
            entry["args"] = args;
        }
        syscalls.push_back(entry);
    }
    return json{
        {"defaultAction", "SCMP_ACT_ERRNO"},
        {"defaultErrnoRet", EPERM},
        {"architectures", host_architectures()},
        {"syscalls", syscalls},
    };
}

}  // namespace strata::spec
