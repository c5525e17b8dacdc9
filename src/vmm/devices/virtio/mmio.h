#pragma once
// The virtio-mmio transport, version 2 (virtio 1.1, 4.2.2): a 4 KiB register window per device
// with feature negotiation, the status state machine, per-queue configuration and the interrupt
// status/ack pair. Queue notifies normally bypass it: the builder binds an ioeventfd to the
// QueueNotify register, and the event loop calls notify().

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "vmm/devices/device.h"
#include "vmm/devices/irq.h"
#include "vmm/devices/virtio/device.h"

namespace strata::vmm::virtio {

inline constexpr uint64_t mmio_window = 0x1000;
inline constexpr uint64_t mmio_queue_notify = 0x50;

class MmioTransport : public devices::BusDevice, private Interrupt {
public:
    // `name` ("virtio-blk 0") is used in log messages.
    MmioTransport(std::unique_ptr<VirtioDevice> device, const GuestMemory& mem, devices::IrqLine* irq,
                  std::string name);
    ~MmioTransport() override;

    void read(uint64_t offset, std::span<uint8_t> data) override;
    void write(uint64_t offset, std::span<const uint8_t> data) override;
    // Queue `index` was notified (ioeventfd or a QueueNotify write that reached the VMM).
    void notify(uint16_t index);

    size_t num_queues() const { return m_queues.size(); }
    VirtioDevice& device() { return *m_device; }
    uint32_t status() const;

private:
    uint32_t read_register(uint64_t offset);
    void write_register(uint64_t offset, uint32_t v);
    void write_status(uint32_t v);
    void reset_locked();
    Queue* selected();
    void used_buffer() override;
    void needs_reset() override;

    std::unique_ptr<VirtioDevice> m_device;
    const GuestMemory& m_mem;
    devices::IrqLine* m_irq;
    std::string m_name;
    std::vector<Queue> m_queues;

    // Guarded by m_device->lock().
    uint32_t m_device_features_sel = 0, m_driver_features_sel = 0, m_queue_sel = 0;
    uint64_t m_driver_features = 0;
    uint32_t m_status = 0;
    uint32_t m_interrupt_status = 0;
    uint32_t m_config_generation = 0;
    bool m_active = false;
};

}  // namespace strata::vmm::virtio
