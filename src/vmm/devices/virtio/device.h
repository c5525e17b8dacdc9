#pragma once
// VirtioDevice: a virtio device model (block, console, ...) behind a transport. The transport owns
// the feature negotiation, status and queue registers; the device owns its config space and what
// happens to the buffers.
//
// Threading: register accesses arrive on vCPU threads, queue notifies on the event loop thread,
// and a device may watch host fds on the event loop too. One mutex per device, lock(), serialises
// all of it: the transport takes it around every call into the device, and a device takes it in
// its own event-loop handlers.

#include <cstdint>
#include <mutex>
#include <span>
#include <vector>

#include "base/result.h"
#include "vmm/devices/virtio/queue.h"
#include "vmm/memory/guest_memory.h"

namespace strata::vmm::virtio {

// What a device uses to interrupt the driver; implemented by the transport.
class Interrupt {
public:
    virtual ~Interrupt() = default;
    // The used ring of some queue changed (interrupt status bit 0).
    virtual void used_buffer() = 0;
    // The device hit an error it cannot recover from: DEVICE_NEEDS_RESET + config interrupt.
    virtual void needs_reset() = 0;
};

class VirtioDevice {
public:
    virtual ~VirtioDevice() = default;

    virtual uint32_t device_id() const = 0;
    // Feature bits offered, including transport-level ones the device supports (VERSION_1,
    // EVENT_IDX, INDIRECT_DESC).
    virtual uint64_t device_features() const = 0;
    // One entry per virtqueue: its maximum size.
    virtual std::vector<uint16_t> queue_sizes() const = 0;
    virtual void read_config(uint64_t offset, std::span<uint8_t> data) const = 0;
    virtual void write_config(uint64_t /*offset*/, std::span<const uint8_t> /*data*/) {}

    // The driver set DRIVER_OK. `queues` (ready ones validated) and `irq` stay valid until reset().
    virtual Result<> activate(uint64_t features, const GuestMemory& mem, std::span<Queue> queues,
                              Interrupt& irq) = 0;
    // The driver notified queue `index` (only after activate).
    virtual void queue_notify(uint16_t index) = 0;
    // The driver reset the device: forget the queues.
    virtual void reset() = 0;

    std::mutex& lock() { return m_lock; }

protected:
    std::mutex m_lock;
};

}  // namespace strata::vmm::virtio
