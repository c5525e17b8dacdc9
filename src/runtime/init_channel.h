#pragma once
// The init side of the parent <-> init protocol, shared by every kind of init (the container's,
// bare mode's, the micro-VM monitor): wait for 'continue', report ready, wait for 'go' (from the
// parent in `run`, from `start` through the listening socket otherwise), report a failure.

#include "base/result.h"

namespace strata::runtime {

class InitChannel {
public:
    InitChannel(int sync_fd, int listener_fd) : m_sync(sync_fd), m_listener(listener_fd) {}

    // Blocks until the parent says continue; false if the parent is gone.
    bool wait_continue();
    Result<> ready();
    // Blocks until 'go'. Afterwards fail() reports to whoever sent it. False if nobody ever will.
    bool wait_for_go();
    // For an init that does not exec (the vm monitor): tells the waiting side that the workload
    // runs, as the close-on-exec of the channel does for the others.
    void started();
    // Reports `e` to the waiting side and exits 1.
    [[noreturn]] void fail(const Error& e);
    // Where errors currently go (the sync socket, or the `start` connection after 'go').
    int error_fd() const { return m_go_conn >= 0 ? m_go_conn : m_sync; }

private:
    int m_sync;
    int m_listener;
    int m_go_conn = -1;
};

}  // namespace strata::runtime
