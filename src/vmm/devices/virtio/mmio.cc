#include "vmm/devices/virtio/mmio.h"

#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>

#include <cstring>

#include "base/log.h"
#include "vmm/format.h"

namespace strata::vmm::virtio {
namespace {

constexpr uint32_t magic = 0x74726976;  // "virt"
constexpr uint32_t version = 2;
constexpr uint32_t vendor = 0x53545241;  // "STRA"
constexpr uint32_t int_used_buffer = VIRTIO_MMIO_INT_VRING, int_config = VIRTIO_MMIO_INT_CONFIG;

void set_low(uint64_t& v, uint32_t lo) { v = (v & ~0xffffffffull) | lo; }
void set_high(uint64_t& v, uint32_t hi) { v = (v & 0xffffffffull) | uint64_t{hi} << 32; }

}  // namespace

MmioTransport::MmioTransport(std::unique_ptr<VirtioDevice> device, const GuestMemory& mem,
                             devices::IrqLine* irq, std::string name)
    : m_device(std::move(device)), m_mem(mem), m_irq(irq), m_name(std::move(name)) {
    for (uint16_t max : m_device->queue_sizes()) m_queues.emplace_back(max);
}

uint32_t MmioTransport::status() const {
    std::lock_guard lock(m_device->lock());
    return m_status;
}

Queue* MmioTransport::selected() {
    return m_queue_sel < m_queues.size() ? &m_queues[m_queue_sel] : nullptr;
}

void MmioTransport::used_buffer() {
    // Called with the device lock held (from inside the device).
    m_interrupt_status |= int_used_buffer;
    if (m_irq) m_irq->trigger();
}

void MmioTransport::needs_reset() {
    log::warn("vmm: " + m_name + " needs reset");
    m_status |= VIRTIO_CONFIG_S_NEEDS_RESET;
    m_interrupt_status |= int_config;
    if (m_irq) m_irq->trigger();
}

void MmioTransport::reset_locked() {
    if (m_active) m_device->reset();
    m_active = false;
    for (auto& q : m_queues) q.reset();
    m_device_features_sel = m_driver_features_sel = m_queue_sel = 0;
    m_driver_features = 0;
    m_status = 0;
    m_interrupt_status = 0;
}

uint32_t MmioTransport::read_register(uint64_t offset) {
    Queue* q = selected();
    switch (offset) {
    case VIRTIO_MMIO_MAGIC_VALUE: return magic;
    case VIRTIO_MMIO_VERSION: return version;
    case VIRTIO_MMIO_DEVICE_ID: return m_device->device_id();
    case VIRTIO_MMIO_VENDOR_ID: return vendor;
    case VIRTIO_MMIO_DEVICE_FEATURES:
        if (m_device_features_sel > 1) return 0;
        return static_cast<uint32_t>(m_device->device_features() >> (32 * m_device_features_sel));
    case VIRTIO_MMIO_QUEUE_NUM_MAX: return q ? q->max_size() : 0;
    case VIRTIO_MMIO_QUEUE_READY: return q && q->ready ? 1 : 0;
    case VIRTIO_MMIO_INTERRUPT_STATUS: return m_interrupt_status;
    case VIRTIO_MMIO_STATUS: return m_status;
    case VIRTIO_MMIO_QUEUE_DESC_LOW: return q ? static_cast<uint32_t>(q->desc_addr) : 0;
    case VIRTIO_MMIO_QUEUE_DESC_HIGH: return q ? static_cast<uint32_t>(q->desc_addr >> 32) : 0;
    case VIRTIO_MMIO_QUEUE_AVAIL_LOW: return q ? static_cast<uint32_t>(q->avail_addr) : 0;
    case VIRTIO_MMIO_QUEUE_AVAIL_HIGH: return q ? static_cast<uint32_t>(q->avail_addr >> 32) : 0;
    case VIRTIO_MMIO_QUEUE_USED_LOW: return q ? static_cast<uint32_t>(q->used_addr) : 0;
    case VIRTIO_MMIO_QUEUE_USED_HIGH: return q ? static_cast<uint32_t>(q->used_addr >> 32) : 0;
    case VIRTIO_MMIO_CONFIG_GENERATION: return m_config_generation;
    default: return 0;
    }
}

void MmioTransport::write_register(uint64_t offset, uint32_t v) {
    Queue* q = selected();
    // Queue layout may only change while the queue is not live (4.2.2.3.2).
    const bool q_writable = q && !q->ready;
    switch (offset) {
    case VIRTIO_MMIO_DEVICE_FEATURES_SEL: m_device_features_sel = v; return;
    case VIRTIO_MMIO_DRIVER_FEATURES:
        if (m_status & VIRTIO_CONFIG_S_FEATURES_OK) return;  // frozen once accepted
        if (m_driver_features_sel == 0) set_low(m_driver_features, v);
        if (m_driver_features_sel == 1) set_high(m_driver_features, v);
        return;
    case VIRTIO_MMIO_DRIVER_FEATURES_SEL: m_driver_features_sel = v; return;
    case VIRTIO_MMIO_QUEUE_SEL: m_queue_sel = v; return;
    case VIRTIO_MMIO_QUEUE_NUM:
        if (q_writable) q->size = static_cast<uint16_t>(v);
        return;
    case VIRTIO_MMIO_QUEUE_READY:
        if (!q) return;
        if (v == 0) {
            q->ready = false;
            return;
        }
        if (auto r = q->validate(m_mem); !r) {
            log::warn("vmm: " + m_name + " queue " + std::to_string(m_queue_sel) + ": " + r.error().message());
            return;  // the driver reads QueueReady back as 0
        }
        q->set_event_idx(m_driver_features & f_event_idx);
        q->ready = true;
        return;
    case VIRTIO_MMIO_QUEUE_NOTIFY:
        // Only reached when no ioeventfd matched (e.g. a queue index the device lacks).
        if (v < m_queues.size() && m_active) m_device->queue_notify(static_cast<uint16_t>(v));
        return;
    case VIRTIO_MMIO_INTERRUPT_ACK: m_interrupt_status &= ~v; return;
    case VIRTIO_MMIO_STATUS: write_status(v); return;
    case VIRTIO_MMIO_QUEUE_DESC_LOW: if (q_writable) set_low(q->desc_addr, v); return;
    case VIRTIO_MMIO_QUEUE_DESC_HIGH: if (q_writable) set_high(q->desc_addr, v); return;
    case VIRTIO_MMIO_QUEUE_AVAIL_LOW: if (q_writable) set_low(q->avail_addr, v); return;
    case VIRTIO_MMIO_QUEUE_AVAIL_HIGH: if (q_writable) set_high(q->avail_addr, v); return;
    case VIRTIO_MMIO_QUEUE_USED_LOW: if (q_writable) set_low(q->used_addr, v); return;
    case VIRTIO_MMIO_QUEUE_USED_HIGH: if (q_writable) set_high(q->used_addr, v); return;
    default: return;
    }
}

void MmioTransport::write_status(uint32_t v) {
    if (v == 0) {
        reset_locked();
        return;
    }
    if ((v & VIRTIO_CONFIG_S_FEATURES_OK) && !(m_status & VIRTIO_CONFIG_S_FEATURES_OK)) {
        const uint64_t offered = m_device->device_features();
        // Refusing FEATURES_OK is how the device says no (3.1.1 step 6): the driver reads the
        // status back and gives up.
        if ((m_driver_features & ~offered) || !(m_driver_features & f_version_1)) {
            log::warn("vmm: " + m_name + ": driver features " + hex(m_driver_features) +
                      " not a VERSION_1 subset of " + hex(offered));
            v &= ~VIRTIO_CONFIG_S_FEATURES_OK;
        }
    }
    const bool start = (v & VIRTIO_CONFIG_S_DRIVER_OK) && !m_active;
    m_status = v;
    if (!start) return;
    if (!(m_status & VIRTIO_CONFIG_S_FEATURES_OK)) {
        needs_reset();
        return;
    }
    if (auto r = m_device->activate(m_driver_features, m_mem, m_queues, *this); !r) {
        log::warn("vmm: " + m_name + ": " + r.error().message());
        needs_reset();
        return;
    }
    m_active = true;
}

// The device goes first: one with a thread of its own (virtio-9p) stops it there, before the
// queues that thread uses are freed with the other members.
MmioTransport::~MmioTransport() { m_device.reset(); }

void MmioTransport::read(uint64_t offset, std::span<uint8_t> data) {
    std::lock_guard lock(m_device->lock());
    if (offset >= VIRTIO_MMIO_CONFIG) {
        m_device->read_config(offset - VIRTIO_MMIO_CONFIG, data);
        return;
    }
    // Control registers are 32-bit only (4.2.2.2); other widths read as zero.
    if (data.size() != 4 || offset % 4) {
        std::memset(data.data(), 0, data.size());
        return;
    }
    uint32_t v = read_register(offset);
    std::memcpy(data.data(), &v, 4);
}

void MmioTransport::write(uint64_t offset, std::span<const uint8_t> data) {
    std::lock_guard lock(m_device->lock());
    if (offset >= VIRTIO_MMIO_CONFIG) {
        m_device->write_config(offset - VIRTIO_MMIO_CONFIG, data);
        return;
    }
    if (data.size() != 4 || offset % 4) return;
    uint32_t v;
    std::memcpy(&v, data.data(), 4);
    write_register(offset, v);
}

void MmioTransport::notify(uint16_t index) {
    std::lock_guard lock(m_device->lock());
    if (m_active && index < m_queues.size()) m_device->queue_notify(index);
}

}  // namespace strata::vmm::virtio
