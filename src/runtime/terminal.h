#pragma once
// Terminals: a pty made inside the container's devpts, handed to the caller over a console socket
// (SCM_RIGHTS, as runc does), or relayed by strata itself for a foreground `run`/`exec`.

#include <optional>
#include <string>

#include "base/result.h"
#include "base/unique_fd.h"
#include "spec/spec.h"

namespace strata::runtime {

struct Pty {
    UniqueFd master, slave;
    std::string slave_name;  // "/dev/pts/0" as the container sees it
};

// Opens ptmx at `ptmx_path` relative to `dirfd` (the container's /dev/pts/ptmx), and the slave
// through TIOCGPTPEER on the master: never by path, so nothing can be swapped in between.
Result<Pty> open_pty(int dirfd, const std::string& ptmx_path, const std::optional<spec::ConsoleSize>& size);
// A pty of the host's devpts in raw mode, for a guest's terminal relayed by the VM substrate:
// the guest's own pty does the line discipline and the echo, so the host's must pass bytes as
// they are (Ctrl-C included, which the guest's pty turns into SIGINT).
Result<Pty> open_raw_host_pty(const std::optional<spec::ConsoleSize>& size);
// Makes the slave this process's stdio and controlling terminal (new session).
Result<> make_controlling(int slave);
// Sends the master to the console socket with SCM_RIGHTS (the data is the slave's name).
Result<> send_master(int console_socket, const Pty& pty);
// Connects to the --console-socket path (done by the host-side parent; the init only inherits it).
Result<UniqueFd> connect_console_socket(const std::string& path);

// Relays between this process's stdin/stdout and `master` until the child `pidfd` exits and the
// master is drained, with the local terminal in raw mode and window-size changes forwarded.
// Signals read from `forward_sigfd` (a signalfd, or -1) are sent to the child.
Result<> relay(int master, int pidfd, int forward_sigfd);

}  // namespace strata::runtime
