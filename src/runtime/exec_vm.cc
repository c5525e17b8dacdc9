#include "runtime/exec_vm.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "base/fault.h"
#include "base/log.h"
#include "base/scope_exit.h"
#include "runtime/create.h"
#include "runtime/terminal.h"
#include "sys/clock.h"
#include "sys/file.h"
#include "sys/pipe.h"
#include "sys/process.h"
#include "sys/socket.h"
#include "vm/monitor/exec_socket.h"
#include "vm/protocol/agent_protocol.h"
#include "vm/protocol/spec_codec.h"

namespace strata::runtime {
namespace {

// The caller's fds 0, 1, 2 for the monitor; a closed one is /dev/null there, as it reads here.
Result<std::vector<UniqueFd>> caller_stdio() {
    std::vector<UniqueFd> out;
    for (int fd = 0; fd < 3; ++fd) {
        int dup = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (dup < 0) dup = ::open("/dev/null", fd == 0 ? O_RDONLY | O_CLOEXEC : O_WRONLY | O_CLOEXEC);
        if (dup < 0) return os_error(errno, "open /dev/null for a closed stdio fd");
        out.emplace_back(dup);
    }
    return out;
}

std::string winsize_message(int tty) {
    winsize ws{};
    if (::ioctl(tty, TIOCGWINSZ, &ws) < 0) return "";
    return std::string(1, vm::kExecResize) + vm::agent::Writer().u32(ws.ws_row).u32(ws.ws_col).take();
}

}  // namespace

Result<int> proxy_vm_session(int conn, const std::string& id, int64_t t_started, int tty) {
    sigset_t sigs;
    sigfillset(&sigs);
    for (int s : {SIGCHLD, SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP}) sigdelset(&sigs, s);
    ::sigprocmask(SIG_BLOCK, &sigs, nullptr);
    UniqueFd sigfd(::signalfd(-1, &sigs, SFD_CLOEXEC));
    if (!sigfd) return os_error(errno, "signalfd");
    for (;;) {
        pollfd fds[2] = {{conn, POLLIN, 0}, {sigfd.get(), POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            return os_error(errno, "exec " + id + ": poll");
        }
        if (fds[1].revents & POLLIN) {
            signalfd_siginfo si{};
            if (::read(sigfd.get(), &si, sizeof si) != sizeof si) continue;
            if (si.ssi_signo == SIGWINCH && tty >= 0) {
                if (std::string m = winsize_message(tty); !m.empty()) (void)sys::send_msg(conn, m);
            } else {
                (void)sys::send_msg(conn, std::string(1, vm::kExecSignal) + vm::agent::Writer().i32(static_cast<int32_t>(si.ssi_signo)).take());
            }
        }
        if (!fds[0].revents) continue;
        auto m = STRATA_TRY(sys::recv_msg(conn, 4096));
        if (m.eof || m.data.empty())
            return error("exec " + id + ": the VM stopped before the process exited");
        if (m.data[0] != vm::kExecExited) continue;
        auto st = STRATA_TRY(vm::agent::decode_exit(std::string_view(m.data).substr(1)));
        log::debug("exec " + id + ": exited " + std::to_string(sys::monotonic_us() - t_started) + " us after its start");
        return st.shell_status();
    }
}

Result<GuestStarted> await_guest_start(int conn, const std::string& what) {
    auto reply = STRATA_TRY(sys::recv_msg(conn, 65536));
    if (reply.eof || reply.data.empty()) return error(what + ": the VM's monitor hung up (the VM stopped?)");
    if (reply.data[0] == vm::kExecFailed) {
        Error e = vm::agent::decode_error(std::string_view(reply.data).substr(1));
        return std::unexpected(Error{e.code, what + " (in the VM): " + e.context});
    }
    if (reply.data[0] != vm::kExecStarted) return error(what + ": unexpected reply from the VM's monitor");
    vm::agent::Reader r(std::string_view(reply.data).substr(1));
    GuestStarted s;
    s.pid = STRATA_TRY(r.u32());
    s.us = STRATA_TRY(r.u32());
    return s;
}

namespace {

// The waiting parent of a forked proxy in the foreground: its status, with signals passed on.
Result<int> wait_for_proxy(pid_t child) {
    sigset_t sigs;
    sigfillset(&sigs);
    for (int s : {SIGCHLD, SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP}) sigdelset(&sigs, s);
    ::sigprocmask(SIG_BLOCK, &sigs, nullptr);
    UniqueFd sigfd(::signalfd(-1, &sigs, SFD_CLOEXEC));
    auto pidfd = STRATA_TRY(sys::pidfd_open(child));
    for (;;) {
        pollfd fds[2] = {{pidfd.get(), POLLIN, 0}, {sigfd.get(), POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0 && errno != EINTR) return os_error(errno, "wait for the exec proxy");
        if (fds[1].revents & POLLIN) {
            signalfd_siginfo si{};
            if (::read(sigfd.get(), &si, sizeof si) == sizeof si) ::kill(child, static_cast<int>(si.ssi_signo));
        }
        if (fds[0].revents & POLLIN) return sys::wait_exit_status(child);
    }
}

}  // namespace

Result<int> exec_in_vm(const ExecOptions& o, const std::string& state_dir, const spec::Process& given, const std::string& container) {
    if (o.preserve_fds > 0) log::warn("exec " + o.id + ": --preserve-fds: host file descriptors cannot be passed into the VM; ignored");
    spec::Process proc = given;
    // A terminal: the guest makes the process's pty and relays it as stdout. On the host the
    // caller's side is a pty of ours whose master goes to --console-socket (conmon, the shim),
    // or the caller's own terminal for a foreground `strata exec -t`. Either way it is raw
    // here: the guest's pty does the line discipline and the echo.
    std::optional<Pty> host_pty;
    UniqueFd console;
    int tty = -1;
    termios saved{};
    bool restore_tty = false;
    if (proc.terminal && !o.console_socket.empty()) {
        console = STRATA_TRY(connect_console_socket(o.console_socket));
        host_pty = STRATA_TRY(with_context(open_raw_host_pty(proc.console_size), "exec " + o.id + ": terminal"));
        tty = host_pty->slave.get();
    } else if (proc.terminal && ::isatty(STDIN_FILENO)) {
        tty = STDIN_FILENO;
        if (::tcgetattr(tty, &saved) == 0) {
            termios raw = saved;
            ::cfmakeraw(&raw);
            ::tcsetattr(tty, TCSANOW, &raw);
            restore_tty = true;
        }
        winsize ws{};
        if (::ioctl(tty, TIOCGWINSZ, &ws) == 0 && ws.ws_row) proc.console_size = spec::ConsoleSize{ws.ws_row, ws.ws_col};
    }
    ScopeExit restore([&] {
        if (restore_tty) ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    });
    vm::agent::ExecRequest req;
    req.process = proc;
    req.user = o.user;
    req.container = container;
    std::string payload = std::string(1, vm::kExecRequest) + STRATA_TRY(vm::agent::encode_exec(req));
    int64_t t_request = sys::monotonic_us();

    UniqueFd vm_dir = STRATA_TRY(sys::open(state_dir + "/vm", O_PATH | O_DIRECTORY | O_CLOEXEC));
    auto conn = sys::connect_at(vm_dir.get(), vm::kExecSocket, SOCK_SEQPACKET);
    if (!conn) {
        if (conn.error().code == ENOENT || conn.error().code == ECONNREFUSED)
            return os_error(conn.error().code, "exec " + o.id + ": the VM is not running (nothing listens on " + state_dir + "/vm/" +
                                                   vm::kExecSocket + ")");
        return wrap(conn.error(), "exec " + o.id);
    }
    std::vector<UniqueFd> stdio;
    if (host_pty)
        for (int i = 0; i < 3; ++i) stdio.emplace_back(::fcntl(host_pty->slave.get(), F_DUPFD_CLOEXEC, 3));
    else
        stdio = STRATA_TRY(caller_stdio());
    int fds[3] = {stdio[0].get(), stdio[1].get(), stdio[2].get()};
    STRATA_TRY(with_context(sys::send_msg(conn->get(), payload, fds), "exec " + o.id + ": send the request to the VM's monitor"));
    stdio.clear();
    fault::point("exec.vm_requested");  // the guest may be starting the process

    GuestStarted started = STRATA_TRY(await_guest_start(conn->get(), "exec " + o.id));
    // The split of an exec's start, for bench/exec.sh: the host's round trip and the guest's share.
    log::debug("exec " + o.id + ": guest pid " + std::to_string(started.pid) + " started " +
               std::to_string(sys::monotonic_us() - t_request) + " us after the request, " + std::to_string(started.us) +
               " us of it in the guest");
    int64_t t_started = sys::monotonic_us();
    fault::point("exec.vm_started");  // the process runs in the guest; its proxy is this process

    if (host_pty) {
        // The caller gets the master only once the process runs, as from a container's exec.
        STRATA_TRY(send_master(console.get(), *host_pty));
        console.reset();
        host_pty->master.reset();
    }
    if (!o.detach && !host_pty) {
        if (!o.pid_file.empty()) STRATA_TRY(write_pid_file(o.pid_file, ::getpid()));
        return proxy_vm_session(conn->get(), o.id, t_started, tty);
    }
    // Detached: the engine waits for the pid in --pid-file as for a host process (it is the
    // subreaper the proxy is reparented to), so that pid is a proxy whose exit is the guest's.
    // With a pty of ours the proxy is its session leader, so a resize of the master (by whoever
    // holds it) reaches the proxy as SIGWINCH.
    // The pid is published only once the proxy is what it says it is (named, detached from the
    // caller's stdio, leading the pty's session): an engine that looks at it at once sees the proxy.
    auto ready = STRATA_TRY(sys::make_pipe("the exec proxy's start"));
    pid_t child = ::fork();
    if (child < 0) return os_error(errno, "exec " + o.id + ": fork the exec proxy");
    if (child == 0) {
        ready.read.reset();
        (void)sys::set_name("strata:exec");
        // The monitor writes the process's output to the engine's fds itself: this copy must not
        // hold them open (the engine reads until EOF).
        int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
        for (int fd = 0; fd < 3; ++fd) ::dup2(null, fd);
        if (host_pty && (::setsid() < 0 || ::ioctl(host_pty->slave.get(), TIOCSCTTY, 0) < 0))
            log::warn("exec " + o.id + ": the terminal's resizes will not reach the VM: " + Error{errno, "setsid/TIOCSCTTY"}.message());
        ready.write.reset();
        auto status = proxy_vm_session(conn->get(), o.id, t_started, tty);
        ::_exit(status ? *status : 255);
    }
    conn->reset();
    host_pty.reset();
    ready.write.reset();
    char byte;
    while (::read(ready.read.get(), &byte, 1) < 0 && errno == EINTR) {
    }
    if (!o.detach) return wait_for_proxy(child);
    if (!o.pid_file.empty()) {
        auto written = write_pid_file(o.pid_file, child);
        if (!written) {
            ::kill(child, SIGKILL);  // hanging up kills the guest process too
            return std::unexpected(written.error());
        }
    }
    return 0;
}

}  // namespace strata::runtime
