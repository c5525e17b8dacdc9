#pragma once
// One host fd the monitor writes guest output to (the container's stdout or stderr, an exec'd
// process's): written only after POLLOUT and at most kChunk bytes per write(2), which a pipe,
// FIFO or socket with POLLOUT set always takes whole, so a slow or stuck reader never blocks the
// relay (the other streams, other exec sessions, signals) and the fd's flags stay the caller's.
// Each frame's window units are acknowledged once its last byte is written, or dropped.

#include <deque>
#include <string>
#include <string_view>
#include <utility>

namespace strata::vm {

class OutputSink {
public:
    static constexpr size_t kChunk = 4096;  // PIPE_BUF: a pipe with room for one write takes it

    explicit OutputSink(int fd = -1) : m_fd(fd) {}
    int fd() const { return m_fd; }
    // Has bytes queued: poll fd() for POLLOUT and call on_writable.
    bool pending() const { return !m_frames.empty(); }
    bool reader_gone() const { return m_gone; }

    // Queues a frame's bytes; with the reader gone they are dropped (and acknowledged) at once.
    void push(std::string_view data, size_t units);
    // POLLOUT (or POLLERR/POLLHUP) came: one write. EPIPE and other errors mark the reader gone.
    void on_writable();
    // The units of every frame written (or dropped) since the last call.
    size_t take_acks() { return std::exchange(m_acks, 0); }

private:
    struct Frame {
        std::string bytes;
        size_t done = 0, units = 0;
    };
    int m_fd;
    bool m_gone = false;
    std::deque<Frame> m_frames;
    size_t m_acks = 0;
};

}  // namespace strata::vm
