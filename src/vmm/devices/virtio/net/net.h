#pragma once
// virtio-net (virtio 1.1, 5.1) with one receive/transmit queue pair, joined to a host tap (or a
// datagram socket, see TapFd). Offered: VERSION_1, EVENT_IDX, INDIRECT_DESC, MAC, MTU and
// STATUS (link always up). No checksum or segmentation offload and no MRG_RXBUF: every frame is
// complete and fully checksummed both ways, and each receive chain holds one whole frame.
//
// Transmit: each chain is the 12-byte virtio_net_hdr then the frame; the frame goes to the fd as
// one write (behind a zeroed vnet header when the tap has one: the guest's is not forwarded,
// since no offload was negotiated). When the fd is full (EAGAIN) the chain stays unanswered and
// the device waits for EPOLLOUT: the guest sees back-pressure, not loss.
// Receive: the fd is read only while the guest has a receive chain posted; with none, it is not
// watched, and frames wait in the tap's own queue. A frame that does not fit the posted chain, or
// exceeds the MTU, is dropped (counted) and the chain kept for the next one.

#include <memory>
#include <optional>
#include <vector>

#include "base/result.h"
#include "vmm/devices/event_loop.h"
#include "vmm/devices/virtio/device.h"
#include "vmm/devices/virtio/net/tap.h"
#include "vmm/machine.h"

namespace strata::vmm::virtio {

class Net : public VirtioDevice {
public:
    // Opens the NIC's fd (TapFd::open) and watches it on `loop`, which must not have started.
    // `nic.mac` must already be set (not all zero).
    static Result<std::unique_ptr<Net>> create(const NicConfig& nic, devices::EventLoop& loop);

    uint32_t device_id() const override;
    uint64_t device_features() const override;
    std::vector<uint16_t> queue_sizes() const override { return {queue_size, queue_size}; }
    void read_config(uint64_t offset, std::span<uint8_t> data) const override;
    Result<> activate(uint64_t features, const GuestMemory& mem, std::span<Queue> queues,
                      Interrupt& irq) override;
    void queue_notify(uint16_t index) override;
    void reset() override;

    struct Stats {
        uint64_t rx_frames = 0, tx_frames = 0;
        uint64_t rx_dropped = 0;  // too big for the chain or the MTU, too short, GSO from the tap
        uint64_t tx_dropped = 0;  // malformed chain, or the fd refused the frame (EIO, EPIPE...)
    };
    Stats stats();  // takes the lock

    static constexpr uint16_t queue_size = 256;
    static constexpr uint16_t receiveq = 0, transmitq = 1;
    static constexpr size_t header_size = 12;  // virtio_net_hdr with num_buffers (VERSION_1)
    static constexpr size_t max_frame = 65535;

private:
    Net(TapFd tap, const NicConfig& nic, devices::EventLoop& loop);
    void on_fd(uint32_t events);  // event loop, takes the lock
    void receive();               // lock held
    void transmit();              // lock held
    void update_watch();          // lock held
    void finish(Queue& q);
    void broken(const char* queue, const Error& e);
    bool usable_rx_chain(const Chain& c) const;
    // Frame length in m_rx_buf if it can go to the guest, nullopt to drop it.
    std::optional<size_t> check_rx_frame(size_t got, uint64_t room) const;

    TapFd m_tap;
    MacAddress m_mac;
    uint16_t m_mtu;
    devices::EventLoop& m_loop;
    std::vector<uint8_t> m_rx_buf, m_tx_buf;  // host vnet header + one frame
    uint32_t m_events;                        // what the loop watches the fd for

    // Guarded by m_lock.
    const GuestMemory* m_mem = nullptr;
    std::span<Queue> m_queues;
    Interrupt* m_irq = nullptr;
    bool m_mtu_negotiated = false;
    bool m_broken = false;                  // the driver broke a ring: wait for reset
    bool m_rx_wanted = false;               // read the fd when it is readable
    bool m_rx_closed = false;               // the fd's peer closed or failed: nothing more to read
    std::optional<Chain> m_rx_chain;        // popped receive chain waiting for a frame
    std::optional<uint16_t> m_tx_pending;   // head of the chain whose frame is in m_tx_buf
    size_t m_tx_len = 0;
    bool m_tx_blocked = false;              // the fd said EAGAIN: waiting for EPOLLOUT
    bool m_tx_error_logged = false;
    Stats m_stats;
};

}  // namespace strata::vmm::virtio
