#pragma once
// eventfd(2) counters and epoll(7) sets: the wake-up primitives of the VMM's device threads.

#include <sys/epoll.h>

#include <cstdint>
#include <span>
#include <string_view>

#include "base/result.h"
#include "base/unique_fd.h"

namespace strata::sys {

// A non-blocking, close-on-exec eventfd.
Result<UniqueFd> eventfd(std::string_view what);
// Adds 1 to the counter. Only fails if the fd is not an eventfd (a bug), so it reports nothing.
void eventfd_signal(int fd);
// Reads and resets the counter; 0 if it was already 0.
uint64_t eventfd_drain(int fd);

Result<UniqueFd> epoll_create();
Result<> epoll_ctl(int epfd, int op, int fd, uint32_t events, void* data, std::string_view what);
// Waits up to timeout_ms (-1: forever); EINTR counts as zero events.
Result<int> epoll_wait(int epfd, std::span<epoll_event> events, int timeout_ms);

}  // namespace strata::sys
