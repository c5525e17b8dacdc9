#include "agent/terminal.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <span>

#include "sys/socket.h"

namespace strata::agent {

Result<> open_terminal(const spec::Process& proc, int to_agent) {
    UniqueFd master(::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!master) return os_error(errno, "process.terminal: open /dev/ptmx in the container");
    int unlock = 0;
    if (::ioctl(master.get(), TIOCSPTLCK, &unlock) < 0) return os_error(errno, "process.terminal: unlock the pty");
    UniqueFd slave(::ioctl(master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!slave) return os_error(errno, "process.terminal: open the pty's slave");
    if (proc.console_size) STRATA_TRY(resize_pty(master.get(), proc.console_size->height, proc.console_size->width));
    int fd = master.get();
    STRATA_TRY(sys::send_msg(to_agent, "pty", std::span<const int>(&fd, 1)));
    if (::setsid() < 0) return os_error(errno, "process.terminal: setsid");
    if (::ioctl(slave.get(), TIOCSCTTY, 0) < 0) return os_error(errno, "process.terminal: make the pty the controlling terminal");
    for (int i = 0; i < 3; ++i)
        if (::dup2(slave.get(), i) < 0) return os_error(errno, "process.terminal: the pty as stdio");
    return {};
}

UniqueFd receive_terminal(int from_child) {
    auto m = sys::recv_msg(from_child, 16);
    if (!m || m->fds.empty()) return UniqueFd();
    UniqueFd master = std::move(m->fds[0]);
    ::fcntl(master.get(), F_SETFL, ::fcntl(master.get(), F_GETFL) | O_NONBLOCK);
    return master;
}

Result<> resize_pty(int master, uint32_t rows, uint32_t cols) {
    winsize ws{};
    ws.ws_row = static_cast<unsigned short>(rows);
    ws.ws_col = static_cast<unsigned short>(cols);
    if (::ioctl(master, TIOCSWINSZ, &ws) < 0) return os_error(errno, "set the pty's window size");
    return {};
}

}  // namespace strata::agent
