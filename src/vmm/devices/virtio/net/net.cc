#include "vmm/devices/virtio/net/net.h"

#include <linux/virtio_ids.h>
#include <sys/epoll.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "base/log.h"
#include "vmm/devices/virtio/net/abi.h"

namespace strata::vmm::virtio {
namespace {

constexpr size_t eth_header = 14, vlan_tag = 4;
// Frames moved from the fd per readiness event or receive notify, so that a flood of input
// cannot keep the device thread from the transmit queue and the other devices. Level-triggered
// epoll brings the device back for the rest.
constexpr unsigned rx_budget = 64;

bool is_vlan(std::span<const uint8_t> frame) {
    const unsigned type = unsigned{frame[12]} << 8 | frame[13];
    return type == 0x8100 || type == 0x88a8;
}

}  // namespace

Net::Net(TapFd tap, const NicConfig& nic, devices::EventLoop& loop)
    : m_tap(std::move(tap)), m_mac(nic.mac), m_mtu(nic.mtu), m_loop(loop),
      m_rx_buf(m_tap.header_len() + max_frame), m_tx_buf(m_tap.header_len() + max_frame, 0),
      m_events(EPOLLET) {}

Result<std::unique_ptr<Net>> Net::create(const NicConfig& nic, devices::EventLoop& loop) {
    if (nic.mac == MacAddress{}) return error("no MAC address");
    TapFd tap = STRATA_TRY(TapFd::open(nic.fd));
    std::unique_ptr<Net> n(new Net(std::move(tap), nic, loop));
    Net* self = n.get();
    // Not watched for anything until the driver posts receive buffers (see update_watch).
    STRATA_TRY(loop.add(n->m_tap.fd(), EPOLLET, [self](uint32_t events) { self->on_fd(events); },
                        "virtio-net " + n->m_tap.name()));
    return n;
}

uint32_t Net::device_id() const { return VIRTIO_ID_NET; }

uint64_t Net::device_features() const {
    return f_version_1 | f_event_idx | f_indirect_desc | (1ull << net_abi::f_mac) | (1ull << net_abi::f_mtu) |
           (1ull << net_abi::f_status);
}

void Net::read_config(uint64_t offset, std::span<uint8_t> data) const {
    std::memset(data.data(), 0, data.size());  // what lies past the struct reads as zero
    net_abi::Config c{};
    std::memcpy(c.mac, m_mac.data(), sizeof c.mac);
    c.status = net_abi::s_link_up;
    c.max_virtqueue_pairs = 1;
    c.mtu = m_mtu;
    const auto* bytes = reinterpret_cast<const uint8_t*>(&c);
    if (offset >= sizeof c) return;
    std::memcpy(data.data(), bytes + offset, std::min<uint64_t>(data.size(), sizeof c - offset));
}

Result<> Net::activate(uint64_t features, const GuestMemory& mem, std::span<Queue> queues, Interrupt& irq) {
    if (queues.size() < 2 || !queues[receiveq].ready || !queues[transmitq].ready)
        return error("receive and transmit queues must both be ready");
    m_mem = &mem;
    m_queues = queues;
    m_irq = &irq;
    m_mtu_negotiated = features & (1ull << net_abi::f_mtu);
    receive();
    transmit();
    return {};
}

void Net::reset() {
    m_mem = nullptr;
    m_queues = {};
    m_irq = nullptr;
    m_broken = false;
    m_rx_wanted = false;
    m_rx_chain.reset();
    m_tx_pending.reset();
    m_tx_blocked = false;
    update_watch();
}

Net::Stats Net::stats() {
    std::lock_guard lock(m_lock);
    return m_stats;
}

void Net::broken(const char* queue, const Error& e) {
    log::warn(std::string("vmm: virtio-net ") + queue + ": " + e.message());
    m_broken = true;
    m_irq->needs_reset();
}

void Net::finish(Queue& q) {
    auto notify = q.should_notify(*m_mem);
    if (!notify || *notify) m_irq->used_buffer();
}

void Net::update_watch() {
    uint32_t want = 0;
    if (m_mem && !m_broken) {
        if (m_rx_wanted && !m_rx_closed) want |= EPOLLIN;
        if (m_tx_blocked) want |= EPOLLOUT;
    }
    // Watching for nothing still reports EPOLLHUP/EPOLLERR, level-triggered on every wait once
    // the peer is gone; edge-triggered, they fire once.
    if (want == 0) want = EPOLLET;
    if (want == m_events) return;
    if (auto r = m_loop.set_events(m_tap.fd(), want); !r) {
        log::warn("vmm: virtio-net: " + r.error().message());
        return;
    }
    m_events = want;
}

void Net::on_fd(uint32_t events) {
    std::lock_guard lock(m_lock);
    if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) && m_tx_blocked) {
        m_tx_blocked = false;
        transmit();
    }
    if ((events & (EPOLLIN | EPOLLERR | EPOLLHUP)) && m_rx_wanted) receive();
    update_watch();
}

void Net::queue_notify(uint16_t index) {
    if (!m_mem || m_broken) return;
    if (index == receiveq) receive();
    // While blocked, the frame in hand goes first, on EPOLLOUT.
    if (index == transmitq && !m_tx_blocked) transmit();
}

bool Net::usable_rx_chain(const Chain& c) const {
    // Receive buffers are device-writable only (5.1.6.3.1), big enough for a header and an
    // Ethernet header, and in guest RAM (so that writing a frame cannot half fail).
    if (c.readable_bytes() != 0 || c.writable_bytes() < header_size + eth_header) return false;
    return std::all_of(c.descriptors.begin(), c.descriptors.end(),
                       [&](const Descriptor& d) { return d.len == 0 || m_mem->host(d.addr, d.len); });
}

std::optional<size_t> Net::check_rx_frame(size_t got, uint64_t room) const {
    const size_t hlen = m_tap.header_len();
    if (got > m_rx_buf.size() || got < hlen + eth_header) return std::nullopt;  // truncated, runt
    if (hlen > 0) {
        // Offloads are off on the tap (TUNSETOFFLOAD 0), so the kernel sends neither GSO frames
        // nor partial checksums; if one came anyway, the guest could not take it.
        const uint8_t flags = m_rx_buf[0], gso_type = m_rx_buf[1];
        if (gso_type != net_abi::hdr_gso_none || (flags & net_abi::hdr_f_needs_csum)) return std::nullopt;
    }
    const size_t len = got - hlen;
    std::span<const uint8_t> frame(m_rx_buf.data() + hlen, len);
    // 5.1.6.3.2 (with VIRTIO_NET_F_MTU): nothing larger than mtu plus the link-level header.
    if (m_mtu_negotiated && len > m_mtu + eth_header + (is_vlan(frame) ? vlan_tag : 0)) return std::nullopt;
    if (header_size + len > room) return std::nullopt;
    return len;
}

void Net::receive() {
    m_rx_wanted = false;
    if (!m_mem || m_broken || m_rx_closed) return update_watch();
    Queue& rx = m_queues[receiveq];
    bool pushed = false;
    for (unsigned i = 0; i < rx_budget; ++i) {
        if (!m_rx_chain) {
            auto next = rx.pop(*m_mem);
            if (!next) {
                broken("receiveq", next.error());
                break;
            }
            if (!*next) {
                m_rx_wanted = false;  // no buffer posted: frames wait in the tap until one is
                break;
            }
            if (!usable_rx_chain(**next)) {
                log::debug("vmm: virtio-net: unusable receive chain " + std::to_string((*next)->head));
                if (auto r = rx.push_used(*m_mem, (*next)->head, 0); !r) {
                    broken("receiveq", r.error());
                    break;
                }
                pushed = true;
                continue;
            }
            m_rx_chain = std::move(**next);
        }
        m_rx_wanted = true;
        auto got = m_tap.read(m_rx_buf);
        if (!got || (*got && **got == 0)) {
            log::warn("vmm: virtio-net: " + (got ? m_tap.name() + " closed" : got.error().message()) +
                      "; receiving stops");
            m_rx_closed = true;
            m_rx_wanted = false;
            break;
        }
        if (!*got) break;  // nothing queued: wait for the fd
        auto len = check_rx_frame(**got, m_rx_chain->writable_bytes());
        if (!len) {
            ++m_stats.rx_dropped;
            log::debug("vmm: virtio-net: dropped a received frame of " + std::to_string(**got) + " bytes");
            continue;  // the chain waits for the next frame
        }
        // No offload negotiated: flags and GSO fields zero; num_buffers 1 (5.1.6.4: the device
        // must set it to 1 without VIRTIO_NET_F_MRG_RXBUF).
        uint8_t header[header_size] = {};
        header[10] = 1;
        const Chain chain = std::move(*m_rx_chain);
        m_rx_chain.reset();
        // usable_rx_chain checked the chain lies in guest RAM and check_rx_frame that it fits.
        (void)chain.write(*m_mem, 0, header);
        (void)chain.write(*m_mem, header_size, {m_rx_buf.data() + m_tap.header_len(), *len});
        if (auto r = rx.push_used(*m_mem, chain.head, static_cast<uint32_t>(header_size + *len)); !r) {
            broken("receiveq", r.error());
            break;
        }
        pushed = true;
        ++m_stats.rx_frames;
    }
    if (pushed) finish(rx);
    update_watch();
}

void Net::transmit() {
    if (!m_mem || m_broken) return;
    Queue& tx = m_queues[transmitq];
    const size_t hlen = m_tap.header_len();
    bool pushed = false;
    for (;;) {
        if (!m_tx_pending) {
            auto next = tx.pop(*m_mem);
            if (!next) {
                broken("transmitq", next.error());
                break;
            }
            if (!*next) break;
            const Chain& c = **next;
            // The guest's header is skipped: with nothing negotiated it says nothing, and
            // forwarding it would let the guest ask the host kernel for offloads. The tap gets
            // the zeroes at the front of m_tx_buf instead.
            const uint64_t readable = c.readable_bytes();
            const uint64_t len = readable >= header_size ? readable - header_size : 0;
            Result<size_t> got = size_t{0};
            if (len >= eth_header && len <= max_frame) got = c.read(*m_mem, header_size, {m_tx_buf.data() + hlen, len});
            if (len < eth_header || len > max_frame || !got || *got != len) {
                ++m_stats.tx_dropped;
                log::debug("vmm: virtio-net: dropped a malformed transmit chain of " + std::to_string(readable) +
                           " bytes");
                if (auto r = tx.push_used(*m_mem, c.head, 0); !r) {
                    broken("transmitq", r.error());
                    break;
                }
                pushed = true;
                continue;
            }
            m_tx_pending = c.head;
            m_tx_len = hlen + len;
        }
        auto w = m_tap.write({m_tx_buf.data(), m_tx_len});
        if (w && !*w) {
            m_tx_blocked = true;  // keep the frame; EPOLLOUT resumes here
            break;
        }
        if (w) {
            ++m_stats.tx_frames;
        } else {
            // A link that is down (EIO) or a peer that left (EPIPE) loses the frame, as a wire would.
            ++m_stats.tx_dropped;
            if (!std::exchange(m_tx_error_logged, true)) log::warn("vmm: virtio-net: " + w.error().message());
        }
        const uint16_t head = *m_tx_pending;
        m_tx_pending.reset();
        if (auto r = tx.push_used(*m_mem, head, 0); !r) {
            broken("transmitq", r.error());
            break;
        }
        pushed = true;
    }
    if (pushed) finish(tx);
    update_watch();
}

}  // namespace strata::vmm::virtio
