#include "vm/backend/qemu/qemu_backend.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "base/log.h"
#include "base/strings.h"
#include "sys/file.h"
#include "sys/process.h"
#include "sys/signals.h"
#include "vm/backend/qemu/command.h"

namespace strata::vm {
namespace {

class QemuVm : public Vm {
public:
    QemuVm(pid_t pid, UniqueFd pidfd) : m_pid(pid), m_pidfd(std::move(pidfd)) {}
    ~QemuVm() override { kill(); }
    int stopped_fd() const override { return m_pidfd.get(); }
    pid_t vmm_pid() const override { return m_pid; }

    Result<std::string> reap() override {
        if (m_reaped) return m_status;
        int st = 0;
        while (::waitpid(m_pid, &st, 0) < 0) {
            if (errno != EINTR) return os_error(errno, "wait for QEMU");
        }
        m_reaped = true;
        if (WIFEXITED(st)) m_status = "QEMU exited with status " + std::to_string(WEXITSTATUS(st));
        else if (WIFSIGNALED(st)) m_status = "QEMU was killed by signal " + std::to_string(WTERMSIG(st));
        return m_status;
    }

    void kill() override {
        if (m_reaped) return;
        (void)sys::pidfd_send_signal(m_pidfd.get(), SIGKILL);
        (void)reap();
    }

private:
    pid_t m_pid;
    UniqueFd m_pidfd;
    bool m_reaped = false;
    std::string m_status;
};

[[noreturn]] void report_errno(int err_fd, int code) {
    ssize_t n = ::write(err_fd, &code, sizeof code);
    (void)n;
    ::_exit(127);
}

// In the child between fork and exec (strata is single-threaded, so it may allocate); reports
// errno on `err`.
[[noreturn]] void exec_qemu(const std::vector<std::string>& argv, const std::vector<std::pair<int, int>>& moves,
                            int log_fd, int err, pid_t parent) {
    auto die = [err](int code) { report_errno(err, code); };
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) < 0) die(errno);
    if (::getppid() != parent) ::_exit(127);  // the monitor died before the prctl took effect
    ::setsid();
    // Two passes so a source that is also some other entry's target is not overwritten early.
    int high[16];
    for (size_t i = 0; i < moves.size(); ++i)
        if ((high[i] = ::fcntl(moves[i].first, F_DUPFD_CLOEXEC, 100)) < 0) die(errno);
    for (size_t i = 0; i < moves.size(); ++i)
        if (::dup2(high[i], moves[i].second) < 0) die(errno);
    int null = ::open("/dev/null", O_RDWR);
    if (null < 0) die(errno);
    ::dup2(null, 0);
    ::dup2(null, 1);
    ::dup2(log_fd >= 0 ? log_fd : null, 2);
    sys::reset_signal_state();
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    report_errno(err, errno);
}

}  // namespace

Result<std::unique_ptr<Vm>> QemuBackend::launch(VmConfig c) {
    // Its virtio-mmio transports: the disks, the NICs and the agent channel's console.
    if (c.disks.size() + c.nets.size() + 1 > 8)
        return error("QEMU microvm has 8 virtio-mmio slots; " + std::to_string(c.disks.size()) + " disks and " +
                     std::to_string(c.nets.size()) + " network interfaces asked");
    qemu::FdLayout layout;
    std::vector<std::pair<int, int>> moves;  // (fd in the monitor, fd in QEMU)
    int next = 3;
    layout.agent = next++;
    moves.emplace_back(c.agent_fd.get(), layout.agent);
    if (c.console_fd) {
        layout.console = next++;
        moves.emplace_back(c.console_fd.get(), layout.console);
    }
    for (const auto& d : c.disks) {
        if (!d.fd) {
            layout.disks.push_back(-1);
            continue;
        }
        layout.disks.push_back(next);
        moves.emplace_back(d.fd.get(), next++);
    }
    for (const auto& n : c.nets) {
        layout.nets.push_back(next);
        moves.emplace_back(n.tap.get(), next++);
    }
    if (c.qmp_fd) {
        layout.qmp = next++;
        moves.emplace_back(c.qmp_fd.get(), layout.qmp);
    }
    std::vector<std::string> argv = qemu::command_line(m_qemu, c, layout);
    if (log::debug_enabled()) log::debug("vm: " + join(argv, " "));

    int p[2];
    if (::pipe2(p, O_CLOEXEC) < 0) return os_error(errno, "pipe for QEMU");
    UniqueFd err_r(p[0]), err_w(p[1]);
    pid_t parent = ::getpid();
    sys::CloneArgs ca;
    ca.flags = CLONE_PIDFD;
    auto child = STRATA_TRY(with_context(sys::clone3(ca), "start QEMU"));
    if (child.pid == 0) {
        err_r.reset();
        exec_qemu(argv, moves, c.log_fd.get(), err_w.get(), parent);
    }
    err_w.reset();
    auto vm = std::make_unique<QemuVm>(child.pid, std::move(child.pidfd));
    int code = 0;
    ssize_t n;
    while ((n = ::read(err_r.get(), &code, sizeof code)) < 0 && errno == EINTR) {
    }
    if (n == sizeof code) return os_error(code, "exec " + m_qemu);
    return std::unique_ptr<Vm>(std::move(vm));
}

}  // namespace strata::vm
