#include "vmm/devices/event_loop.h"

#include <sys/epoll.h>

#include <array>

#include "base/log.h"
#include "sys/eventfd.h"

namespace strata::vmm::devices {

Result<std::unique_ptr<EventLoop>> EventLoop::create() {
    UniqueFd ep = STRATA_TRY(sys::epoll_create());
    UniqueFd wake = STRATA_TRY(sys::eventfd("event loop wake-up"));
    // nullptr data marks the wake-up fd.
    STRATA_TRY(sys::epoll_ctl(ep.get(), EPOLL_CTL_ADD, wake.get(), EPOLLIN, nullptr, "event loop wake-up"));
    return std::unique_ptr<EventLoop>(new EventLoop(std::move(ep), std::move(wake)));
}

EventLoop::~EventLoop() { stop(); }

Result<> EventLoop::add(int fd, uint32_t events, Handler handler, std::string name) {
    STRATA_CHECK(!m_thread.joinable());
    auto w = std::make_unique<Watch>(Watch{fd, std::move(handler), std::move(name)});
    STRATA_TRY(sys::epoll_ctl(m_epoll.get(), EPOLL_CTL_ADD, fd, events, w.get(), w->name));
    m_watches.push_back(std::move(w));
    return {};
}

Result<> EventLoop::set_events(int fd, uint32_t events) {
    for (const auto& w : m_watches)
        if (w->fd == fd) return sys::epoll_ctl(m_epoll.get(), EPOLL_CTL_MOD, fd, events, w.get(), w->name);
    return error("event loop: fd " + std::to_string(fd) + " is not watched");
}

Result<> EventLoop::start() {
    STRATA_CHECK(!m_thread.joinable());
    m_thread = std::thread([this] { loop(); });
    return {};
}

void EventLoop::stop() {
    m_stopping = true;
    if (!m_thread.joinable()) return;
    sys::eventfd_signal(m_wake.get());
    m_thread.join();
}

void EventLoop::loop() {
    std::array<epoll_event, 16> events{};
    for (;;) {
        auto n = sys::epoll_wait(m_epoll.get(), events, -1);
        if (!n) {
            log::error("vmm event loop: " + n.error().message());
            return;
        }
        for (int i = 0; i < *n; ++i) {
            auto* w = static_cast<Watch*>(events[static_cast<size_t>(i)].data.ptr);
            if (!w) return;  // stop()
            w->handler(events[static_cast<size_t>(i)].events);
        }
    }
}

}  // namespace strata::vmm::devices
