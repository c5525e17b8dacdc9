#include "vm/protocol/frame_io.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "sys/clock.h"

namespace strata::vm::agent {

Result<> write_frame(int fd, Msg type, std::string_view payload, int timeout_ms) {
    std::string head = header(type, payload.size());
    iovec iov[2] = {{head.data(), head.size()}, {const_cast<char*>(payload.data()), payload.size()}};
    int64_t deadline = timeout_ms < 0 ? -1 : sys::monotonic_ms() + timeout_ms;
    int idx = 0;
    while (idx < 2) {
        ssize_t n;
        if (deadline < 0) {
            n = ::writev(fd, iov + idx, 2 - idx);
        } else {
            // MSG_DONTWAIT: a blocking sendmsg would wait for the whole frame to fit, unbounded.
            msghdr mh{};
            mh.msg_iov = iov + idx;
            mh.msg_iovlen = static_cast<size_t>(2 - idx);
            n = ::sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
        }
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) {
                int wait = -1;
                if (deadline >= 0) {
                    wait = static_cast<int>(deadline - sys::monotonic_ms());
                    if (wait <= 0)
                        return os_error(ETIMEDOUT, "send " + std::string(msg_name(type)) +
                                                       " to the agent: the guest has not read its channel for " +
                                                       std::to_string(timeout_ms) + " ms");
                }
                pollfd p{fd, POLLOUT, 0};
                ::poll(&p, 1, wait);
                continue;
            }
            return os_error(errno, "send " + std::string(msg_name(type)) + " to the agent channel");
        }
        size_t left = static_cast<size_t>(n);
        while (idx < 2 && left >= iov[idx].iov_len) {
            left -= iov[idx].iov_len;
            ++idx;
        }
        if (idx < 2) {
            iov[idx].iov_base = static_cast<char*>(iov[idx].iov_base) + left;
            iov[idx].iov_len -= left;
        }
    }
    return {};
}

Result<bool> read_into(int fd, FrameParser& parser) {
    char buf[64 * 1024];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
        if (errno == EINTR || errno == EAGAIN) return true;
        return os_error(errno, "read the agent channel");
    }
    if (n == 0) return false;
    parser.feed(std::string_view(buf, static_cast<size_t>(n)));
    return true;
}

Result<Frame> read_frame(int fd, FrameParser& parser, int timeout_ms) {
    int64_t deadline = timeout_ms < 0 ? -1 : sys::monotonic_ms() + timeout_ms;
    for (;;) {
        auto f = STRATA_TRY(parser.next());
        if (f) return std::move(*f);
        int wait = -1;
        if (deadline >= 0) {
            wait = static_cast<int>(deadline - sys::monotonic_ms());
            if (wait <= 0) return os_error(ETIMEDOUT, "wait for the agent");
        }
        pollfd p{fd, POLLIN, 0};
        int r = ::poll(&p, 1, wait);
        if (r < 0 && errno != EINTR) return os_error(errno, "wait for the agent");
        if (r <= 0) continue;
        if (!STRATA_TRY(read_into(fd, parser))) return os_error(EPIPE, "the agent channel closed");
    }
}

}  // namespace strata::vm::agent
