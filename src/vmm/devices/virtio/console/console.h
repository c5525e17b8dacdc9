#pragma once
// virtio-console (virtio 1.1, 5.3) with one port, port 0 (hvc0 in Linux), joined to a host fd
// (a socket or pipe): the guest agent's control and stdio channel where vsock is unavailable.
// Guest output (transmitq) is written to the fd; fd input fills the guest's receiveq buffers.
// While the guest has no receive buffer posted, the fd is not read (back-pressure).

#include <memory>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "vmm/devices/event_loop.h"
#include "vmm/devices/virtio/device.h"

namespace strata::vmm::virtio {

class Console : public VirtioDevice {
public:
    // Duplicates `fd` (the caller keeps its own) and watches it on `loop`, which must not have
    // started yet.
    static Result<std::unique_ptr<Console>> create(int fd, devices::EventLoop& loop);

    uint32_t device_id() const override;
    uint64_t device_features() const override;
    std::vector<uint16_t> queue_sizes() const override { return {queue_size, queue_size}; }
    void read_config(uint64_t offset, std::span<uint8_t> data) const override;
    Result<> activate(uint64_t features, const GuestMemory& mem, std::span<Queue> queues,
                      Interrupt& irq) override;
    void queue_notify(uint16_t index) override;
    void reset() override;

    static constexpr uint16_t queue_size = 64;
    static constexpr uint16_t receiveq = 0, transmitq = 1;

private:
    Console(UniqueFd fd, devices::EventLoop& loop);
    void on_readable();   // event loop, takes the lock
    void deliver();       // lock held: move m_pending into receive buffers
    void transmit();      // lock held
    void watch(bool on);  // lock held
    void finish(Queue& q);

    UniqueFd m_fd;
    bool m_socket;
    devices::EventLoop& m_loop;
    std::vector<uint8_t> m_pending;  // read from the fd, not yet in a guest buffer
    bool m_watching = true;
    bool m_eof = false;
    const GuestMemory* m_mem = nullptr;
    std::span<Queue> m_queues;
    Interrupt* m_irq = nullptr;
};

}  // namespace strata::vmm::virtio
