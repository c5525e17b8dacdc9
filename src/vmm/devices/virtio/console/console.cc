#include "vmm/devices/virtio/console/console.h"

#include <fcntl.h>
#include <linux/virtio_console.h>
#include <linux/virtio_ids.h>
#include <sys/epoll.h>

#include <cstring>

#include "base/log.h"
#include "sys/rw.h"

namespace strata::vmm::virtio {
namespace {

constexpr size_t read_chunk = 4096;

}  // namespace

Console::Console(UniqueFd fd, devices::EventLoop& loop)
    : m_fd(std::move(fd)), m_socket(sys::is_socket(m_fd.get())), m_loop(loop) {}

Result<std::unique_ptr<Console>> Console::create(int fd, devices::EventLoop& loop) {
    int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (copy < 0) {
        const int err = errno;
        return os_error(err, "dup console fd " + std::to_string(fd));
    }
    std::unique_ptr<Console> c(new Console(UniqueFd(copy), loop));
    Console* self = c.get();
    // Level-triggered: unread input keeps the fd ready, so pausing and resuming loses nothing.
    STRATA_TRY(loop.add(c->m_fd.get(), EPOLLIN, [self](uint32_t) { self->on_readable(); },
                        "virtio-console fd"));
    return c;
}

uint32_t Console::device_id() const { return VIRTIO_ID_CONSOLE; }

uint64_t Console::device_features() const { return f_version_1 | f_event_idx | f_indirect_desc; }

void Console::read_config(uint64_t offset, std::span<uint8_t> data) const {
    // No VIRTIO_CONSOLE_F_SIZE or MULTIPORT: the fields exist but mean nothing; read as zero.
    virtio_console_config c{};
    const auto* bytes = reinterpret_cast<const uint8_t*>(&c);
    if (offset >= sizeof c) return;
    std::memcpy(data.data(), bytes + offset, std::min<uint64_t>(data.size(), sizeof c - offset));
}

Result<> Console::activate(uint64_t, const GuestMemory& mem, std::span<Queue> queues, Interrupt& irq) {
    if (queues.size() < 2) return error("console needs 2 queues");
    m_mem = &mem;
    m_queues = queues;
    m_irq = &irq;
    if (!m_eof) watch(true);
    return {};
}

void Console::reset() {
    m_mem = nullptr;
    m_queues = {};
    m_irq = nullptr;
}

void Console::watch(bool on) {
    if (on == m_watching) return;
    if (auto r = m_loop.set_events(m_fd.get(), on ? uint32_t{EPOLLIN} : 0u); !r) {
        log::warn("vmm: virtio-console: " + r.error().message());
        return;
    }
    m_watching = on;
}

void Console::finish(Queue& q) {
    auto notify = q.should_notify(*m_mem);
    if (!notify || *notify) m_irq->used_buffer();
}

void Console::on_readable() {
    std::lock_guard lock(m_lock);
    // Nowhere to put input until the driver is up and has room: stop reading until it does.
    if (!m_mem || !m_queues[receiveq].ready || !m_pending.empty()) {
        watch(false);
        return;
    }
    m_pending.resize(read_chunk);
    auto n = sys::read_some(m_fd.get(), m_pending, "virtio-console fd");
    if (!n || *n == 0) {
        if (!n) log::warn("vmm: virtio-console: " + n.error().message());
        m_pending.clear();
        m_eof = true;  // the host side closed: nothing more will come
        watch(false);
        return;
    }
    m_pending.resize(*n);
    deliver();
}

void Console::deliver() {
    Queue& rx = m_queues[receiveq];
    bool pushed = false;
    size_t offset = 0;
    while (offset < m_pending.size()) {
        auto next = rx.pop(*m_mem);
        if (!next) {
            log::warn("vmm: virtio-console receiveq: " + next.error().message());
            m_irq->needs_reset();
            return;
        }
        if (!*next) break;
        std::span<const uint8_t> rest(m_pending.data() + offset, m_pending.size() - offset);
        auto w = (*next)->write(*m_mem, 0, rest);
        const size_t n = w ? *w : 0;
        if (!rx.push_used(*m_mem, (*next)->head, static_cast<uint32_t>(n))) {
            m_irq->needs_reset();
            return;
        }
        pushed = true;
        offset += n;
        if (n == 0) break;  // a buffer with no writable room: give up on this batch
    }
    m_pending.erase(m_pending.begin(), m_pending.begin() + static_cast<std::ptrdiff_t>(offset));
    if (pushed) finish(rx);
    // Out of buffers with input left over: wait for the driver to post more (queue_notify).
    watch(m_pending.empty() && !m_eof);
}

void Console::transmit() {
    Queue& tx = m_queues[transmitq];
    std::vector<uint8_t> buf;
    for (;;) {
        auto next = tx.pop(*m_mem);
        if (!next) {
            log::warn("vmm: virtio-console transmitq: " + next.error().message());
            m_irq->needs_reset();
            return;
        }
        if (!*next) break;
        buf.resize((*next)->readable_bytes());
        auto got = (*next)->read(*m_mem, 0, buf);
        if (got) {
            // A host reader that falls behind slows the guest down rather than losing its
            // output; one that never reads is abandoned when the machine stops.
            if (auto r = sys::write_all_cancellable(m_fd.get(), {buf.data(), *got}, "virtio-console fd", m_socket,
                                                    m_loop.stopping());
                !r)
                log::warn("vmm: " + r.error().message());
        }
        if (!tx.push_used(*m_mem, (*next)->head, 0)) {
            m_irq->needs_reset();
            return;
        }
    }
    finish(tx);
}

void Console::queue_notify(uint16_t index) {
    if (!m_mem || index >= m_queues.size() || !m_queues[index].ready) return;
    if (index == transmitq) {
        transmit();
    } else if (!m_pending.empty()) {
        deliver();
    } else if (!m_eof) {
        watch(true);
    }
}

}  // namespace strata::vmm::virtio
