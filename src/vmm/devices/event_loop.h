#pragma once
// EventLoop: the VMM's one device thread. It waits (epoll) on ioeventfds of virtqueue notifies and
// on host fds feeding guest input, and runs each fd's handler on that thread.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace strata::vmm::devices {

class EventLoop {
public:
    using Handler = std::function<void(uint32_t events)>;

    static Result<std::unique_ptr<EventLoop>> create();
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    // Watches `fd` (not owned) for `events` (EPOLLIN...). Only before start(): the watch table is
    // then read without a lock.
    Result<> add(int fd, uint32_t events, Handler handler, std::string name);
    // Changes what `fd` is watched for; 0 pauses it (a device with nowhere to put input). Any thread.
    Result<> set_events(int fd, uint32_t events);
    Result<> start();
    // Wakes the thread and joins it; idempotent. Handlers never run after it returns.
    void stop();
    // Set once stop() has begun: handlers blocked on a host fd give up (write_all_cancellable).
    const std::atomic<bool>& stopping() const { return m_stopping; }

private:
    struct Watch {
        int fd;
        Handler handler;
        std::string name;
    };
    EventLoop(UniqueFd epoll, UniqueFd wake) : m_epoll(std::move(epoll)), m_wake(std::move(wake)) {}
    void loop();

    UniqueFd m_epoll, m_wake;
    std::vector<std::unique_ptr<Watch>> m_watches;
    std::thread m_thread;
    std::atomic<bool> m_stopping{false};
};

}  // namespace strata::vmm::devices
