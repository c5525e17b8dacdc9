#include "runtime/init_channel.h"

#include <unistd.h>

#include <string>

#include "runtime/sync.h"
#include "sys/process.h"
#include "sys/socket.h"

namespace strata::runtime {

bool InitChannel::wait_continue() {
    return bool(sync::expect(m_sync, sync::kContinue, "the parent continued"));
}

Result<> InitChannel::ready() {
    // From here the sync socket tells the init that its creator died (EOF at the next receive):
    // the parent-death signal set at clone goes now, before a `create` that exits normally could
    // fire it, and before the exec (a container process must not die with `strata run`).
    (void)sys::set_parent_death_signal(0);
    return sync::send(m_sync, sync::kReady);
}

bool InitChannel::wait_for_go() {
    if (m_listener < 0) return bool(sync::expect(m_sync, sync::kGo, "start"));
    // create mode: the parent saves the state and says so before it exits; EOF first means it
    // was killed, and nothing records this init: it must not wait for a `start`.
    if (!sync::expect(m_sync, sync::kCommitted, "the state was saved")) return false;
    // `start` connects to the listener.
    ::close(m_sync);
    m_sync = -1;
    for (;;) {
        auto c = sys::accept(m_listener);
        if (!c) return false;
        auto m = sync::receive(c->get());
        if (m && m->type == sync::kGo) {
            m_go_conn = c->release();  // CLOEXEC: closes at exec, which tells `start` it worked
            break;
        }
        // Anything else (a probe, a dropped connection) does not start the container.
    }
    ::close(m_listener);
    m_listener = -1;
    return true;
}

void InitChannel::started() {
    if (m_go_conn >= 0) ::close(m_go_conn);
    if (m_sync >= 0) ::close(m_sync);
    m_go_conn = m_sync = -1;
}

void InitChannel::fail(const Error& e) {
    int fd = error_fd();
    if (fd >= 0 && sync::send_error(fd, e)) ::_exit(1);
    // Nobody to tell, or a seccomp profile that denies sendmsg: the container's own stderr is the
    // last place the reason can go, rather than a bare exit status 1.
    std::string line = "strata: container init: " + e.message() + "\n";
    (void)!::write(2, line.data(), line.size());
    ::_exit(1);
}

}  // namespace strata::runtime
