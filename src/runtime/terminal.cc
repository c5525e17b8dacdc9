#include "runtime/terminal.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "base/scope_exit.h"
#include "base/strings.h"
#include "sys/file.h"
#include "sys/socket.h"

namespace strata::runtime {

Result<Pty> open_pty(int dirfd, const std::string& ptmx_path, const std::optional<spec::ConsoleSize>& size) {
    Pty p;
    p.master = STRATA_TRY(sys::openat2(dirfd, ptmx_path, O_RDWR | O_NOCTTY, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS));
    int unlock = 0;
    if (::ioctl(p.master.get(), TIOCSPTLCK, &unlock) < 0) return os_error(errno, "unlock pty");
    int slave = ::ioctl(p.master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0) return os_error(errno, "open pty slave (TIOCGPTPEER)");
    p.slave.reset(slave);
    unsigned n = 0;
    if (::ioctl(p.master.get(), TIOCGPTN, &n) < 0) return os_error(errno, "pty number");
    p.slave_name = "/dev/pts/" + std::to_string(n);
    if (size) {
        winsize ws{};
        ws.ws_row = static_cast<unsigned short>(size->height);
        ws.ws_col = static_cast<unsigned short>(size->width);
        if (::ioctl(p.master.get(), TIOCSWINSZ, &ws) < 0) return os_error(errno, "set terminal size");
    }
    return p;
}

Result<Pty> open_raw_host_pty(const std::optional<spec::ConsoleSize>& size) {
    // open_pty resolves in the directory it is given (RESOLVE_IN_ROOT): here, the host's root.
    UniqueFd host_root = STRATA_TRY(sys::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    Pty p = STRATA_TRY(open_pty(host_root.get(), "dev/ptmx", size));
    termios raw{};
    if (::tcgetattr(p.slave.get(), &raw) < 0) return os_error(errno, "tcgetattr of the host's pty");
    ::cfmakeraw(&raw);
    if (::tcsetattr(p.slave.get(), TCSANOW, &raw) < 0) return os_error(errno, "make the host's pty raw");
    return p;
}

Result<> make_controlling(int slave) {
    if (::setsid() < 0 && errno != EPERM) return os_error(errno, "setsid");
    if (::ioctl(slave, TIOCSCTTY, 0) < 0) return os_error(errno, "make the pty the controlling terminal");
    for (int fd = 0; fd <= 2; ++fd)
        if (::dup2(slave, fd) < 0) return os_error(errno, "dup pty to fd " + std::to_string(fd));
    return {};
}

Result<> send_master(int console_socket, const Pty& pty) {
    int fd = pty.master.get();
    return with_context(sys::send_msg(console_socket, pty.slave_name, std::span<const int>(&fd, 1)), "console socket");
}

Result<UniqueFd> connect_console_socket(const std::string& path) {
    auto s = sys::connect_path(path, SOCK_STREAM);
    if (!s) return os_error(s.error().code, "--console-socket " + quote(path));
    return s;
}

namespace {

void copy_winsize(int from, int to) {
    winsize ws{};
    if (::ioctl(from, TIOCGWINSZ, &ws) == 0) ::ioctl(to, TIOCSWINSZ, &ws);
}

}  // namespace

Result<> relay(int master, int pidfd, int forward_sigfd) {
    bool tty = ::isatty(STDIN_FILENO);
    termios saved{};
    if (tty && ::tcgetattr(STDIN_FILENO, &saved) == 0) {
        termios raw = saved;
        ::cfmakeraw(&raw);
        ::tcsetattr(STDIN_FILENO, TCSANOW, &raw);
        copy_winsize(STDIN_FILENO, master);
    } else {
        tty = false;
    }
    ScopeExit restore([&] {
        if (tty) ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    });
    sigset_t winch;
    sigemptyset(&winch);
    sigaddset(&winch, SIGWINCH);
    ::sigprocmask(SIG_BLOCK, &winch, nullptr);
    UniqueFd sigfd(::signalfd(-1, &winch, SFD_CLOEXEC | SFD_NONBLOCK));
    bool in_open = true, exited = false;
    char buf[16384];
    for (;;) {
        pollfd fds[5] = {{master, POLLIN, 0}, {in_open ? STDIN_FILENO : -1, POLLIN, 0}, {pidfd, POLLIN, 0},
                         {sigfd.get(), POLLIN, 0}, {forward_sigfd, POLLIN, 0}};
        // Once the process is gone, drain what the master still holds, then stop.
        int n = ::poll(fds, 5, exited ? 50 : -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            return os_error(errno, "poll the terminal");
        }
        if (n == 0 && exited) return {};
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t r = ::read(master, buf, sizeof buf);
            if (r > 0) (void)sys::write_all(STDOUT_FILENO, std::string_view(buf, static_cast<size_t>(r)), "stdout");
            else if (exited || r == 0 || errno == EIO) {
                if (exited) return {};
                // EIO: every slave fd is closed; the process is about to exit.
                exited = exited || (fds[2].revents & POLLIN);
                if (!exited) ::poll(&fds[2], 1, 1000);
                return {};
            }
        }
        if (fds[1].revents & (POLLIN | POLLHUP)) {
            ssize_t r = ::read(STDIN_FILENO, buf, sizeof buf);
            if (r > 0) (void)sys::write_all(master, std::string_view(buf, static_cast<size_t>(r)), "the terminal");
            else in_open = false;  // EOF on our stdin: the container keeps running
        }
        if (fds[3].revents & POLLIN) {
            signalfd_siginfo si;
            while (::read(sigfd.get(), &si, sizeof si) == sizeof si) copy_winsize(STDIN_FILENO, master);
        }
        if (fds[4].revents & POLLIN) {
            signalfd_siginfo si;
            if (::read(forward_sigfd, &si, sizeof si) == sizeof si)
                ::syscall(SYS_pidfd_send_signal, pidfd, static_cast<int>(si.ssi_signo), nullptr, 0);
        }
        if (fds[2].revents & POLLIN) exited = true;
    }
}

}  // namespace strata::runtime
