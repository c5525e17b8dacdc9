#include "vmm/devices/virtio/p9/device.h"

#include <linux/virtio_9p.h>
#include <linux/virtio_ids.h>

#include <algorithm>
#include <cstring>

#include "base/log.h"
#include "base/strings.h"

namespace strata::vmm::virtio {

Result<std::unique_ptr<NineP>> NineP::create(const std::string& root, const std::string& tag) {
    if (tag.empty() || tag.size() > 255) return error("9p mount tag " + quote(tag) + ": 1-255 bytes");
    auto server = STRATA_TRY(with_context(p9::Server::open(root), "9p export " + quote(root)));
    return std::unique_ptr<NineP>(new NineP(std::move(server), tag));
}

NineP::NineP(std::unique_ptr<p9::Server> server, std::string tag)
    : m_server(std::move(server)), m_tag(std::move(tag)), m_worker([this] { work(); }) {}

NineP::~NineP() {
    {
        std::lock_guard lock(m_lock);
        m_stop = true;
    }
    m_wake.notify_one();
    m_worker.join();
}

uint32_t NineP::device_id() const { return VIRTIO_ID_9P; }

uint64_t NineP::device_features() const {
    return f_version_1 | f_event_idx | f_indirect_desc | (1ull << VIRTIO_9P_MOUNT_TAG);
}

void NineP::read_config(uint64_t offset, std::span<uint8_t> data) const {
    // struct virtio_9p_config: le16 tag_len, then the tag's bytes (no NUL).
    std::vector<uint8_t> c(2 + m_tag.size());
    c[0] = static_cast<uint8_t>(m_tag.size());
    c[1] = static_cast<uint8_t>(m_tag.size() >> 8);
    std::memcpy(c.data() + 2, m_tag.data(), m_tag.size());
    std::fill(data.begin(), data.end(), 0);
    if (offset >= c.size()) return;
    std::memcpy(data.data(), c.data() + offset, std::min<uint64_t>(data.size(), c.size() - offset));
}

Result<> NineP::activate(uint64_t, const GuestMemory& mem, std::span<Queue> queues, Interrupt& irq) {
    if (queues.empty() || !queues[0].ready) return error("request queue not ready");
    m_mem = &mem;
    m_queue = &queues[0];
    m_irq = &irq;
    return {};
}

void NineP::reset() {
    ++m_generation;  // what the worker has in hand is not returned to the old rings
    m_mem = nullptr;
    m_queue = nullptr;
    m_irq = nullptr;
}

Result<uint32_t> NineP::serve(const GuestMemory& mem, const Chain& chain) {
    std::vector<uint8_t> request(chain.readable_bytes());
    request.resize(STRATA_TRY(chain.read(mem, 0, request)));
    const auto reply = m_server->handle(request, chain.writable_bytes());
    const size_t put = STRATA_TRY(chain.write(mem, 0, reply));
    if (put != reply.size()) {
        log::warn("vmm: virtio-9p: a reply of " + std::to_string(reply.size()) + " bytes did not fit the chain");
        return 0;
    }
    return static_cast<uint32_t>(reply.size());
}

void NineP::queue_notify(uint16_t index) {
    // Lock held (the transport's): wake the worker.
    if (index != 0 || !m_queue) return;
    m_notified = true;
    m_wake.notify_one();
}

void NineP::work() {
    std::unique_lock lock(m_lock);
    for (;;) {
        m_wake.wait(lock, [this] { return m_notified || m_stop; });
        if (m_stop) return;
        m_notified = false;
        if (!m_queue) continue;
        // Take what is available, under the lock.
        std::vector<Chain> chains;
        for (;;) {
            auto next = m_queue->pop(*m_mem);
            if (!next) {
                log::warn("vmm: virtio-9p " + quote(m_tag) + ": " + next.error().message());
                m_irq->needs_reset();
                break;
            }
            if (!*next) break;
            chains.push_back(std::move(**next));
        }
        if (chains.empty()) continue;
        const GuestMemory& mem = *m_mem;  // guest RAM outlives the device
        const uint64_t generation = m_generation;
        // Serve them without it: the host's file I/O must not stall the transport or the loop.
        lock.unlock();
        std::vector<Result<uint32_t>> lens;
        lens.reserve(chains.size());
        for (const auto& c : chains) lens.push_back(serve(mem, c));
        lock.lock();
        if (generation != m_generation || !m_queue) continue;  // the driver reset the device
        bool broken = false;
        for (size_t i = 0; i < chains.size() && !broken; ++i) {
            if (!lens[i]) {
                log::warn("vmm: virtio-9p " + quote(m_tag) + ": " + lens[i].error().message());
                broken = true;
            } else if (!m_queue->push_used(mem, chains[i].head, *lens[i])) {
                broken = true;
            }
        }
        if (broken) {
            m_irq->needs_reset();
            continue;
        }
        auto notify = m_queue->should_notify(mem);
        if (!notify || *notify) m_irq->used_buffer();
    }
}

}  // namespace strata::vmm::virtio
