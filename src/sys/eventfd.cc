#include "sys/eventfd.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <string>

namespace strata::sys {

Result<UniqueFd> eventfd(std::string_view what) {
    int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (fd < 0) {
        const int err = errno;
        return os_error(err, "eventfd for " + std::string(what));
    }
    return UniqueFd(fd);
}

void eventfd_signal(int fd) {
    uint64_t one = 1;
    // EAGAIN only when the counter is at its maximum: the reader is woken either way.
    [[maybe_unused]] ssize_t n = ::write(fd, &one, sizeof one);
}

uint64_t eventfd_drain(int fd) {
    uint64_t v = 0;
    if (::read(fd, &v, sizeof v) != sizeof v) return 0;
    return v;
}

Result<UniqueFd> epoll_create() {
    int fd = ::epoll_create1(EPOLL_CLOEXEC);
    if (fd < 0) {
        const int err = errno;
        return os_error(err, "epoll_create1");
    }
    return UniqueFd(fd);
}

Result<> epoll_ctl(int epfd, int op, int fd, uint32_t events, void* data, std::string_view what) {
    epoll_event ev{};
    ev.events = events;
    ev.data.ptr = data;
    if (::epoll_ctl(epfd, op, fd, &ev) < 0) {
        const int err = errno;
        const char* verb = op == EPOLL_CTL_ADD ? "add " : op == EPOLL_CTL_DEL ? "remove " : "modify ";
        return os_error(err, std::string("epoll ") + verb + std::string(what));
    }
    return {};
}

Result<int> epoll_wait(int epfd, std::span<epoll_event> events, int timeout_ms) {
    int n = ::epoll_wait(epfd, events.data(), static_cast<int>(events.size()), timeout_ms);
    if (n < 0) {
        const int err = errno;
        if (err == EINTR) return 0;
        return os_error(err, "epoll_wait");
    }
    return n;
}

}  // namespace strata::sys
