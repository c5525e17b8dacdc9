#pragma once
// For unit tests of virtio devices: the test plays the driver of one device behind the
// virtio-mmio transport, with guest RAM in a buffer. It negotiates on the register window, lays
// out split queues (descriptor table at `at`, available ring at +0x200, used ring at +0x400),
// builds chains and reads what the device put in the used ring.

#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "vmm/devices/irq.h"
#include "vmm/devices/virtio/mmio.h"

namespace strata::vmm::virtio::testing {

class Driver {
public:
    Driver(std::unique_ptr<VirtioDevice> device, size_t ram, uint16_t qsize, std::string name = "device")
        : buf(ram, 0), mem(GuestMemory::wrap(buf, 0)), m_qsize(qsize) {
        t = std::make_unique<MmioTransport>(std::move(device), mem, &irq, std::move(name));
    }

    uint32_t rd(uint64_t off) {
        uint32_t v = 0;
        t->read(off, {reinterpret_cast<uint8_t*>(&v), 4});
        return v;
    }
    void wr(uint64_t off, uint32_t v) { t->write(off, {reinterpret_cast<const uint8_t*>(&v), 4}); }
    uint64_t device_features() {
        wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
        uint64_t f = rd(VIRTIO_MMIO_DEVICE_FEATURES);
        wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
        return f | (uint64_t{rd(VIRTIO_MMIO_DEVICE_FEATURES)} << 32);
    }
    bool negotiate(uint64_t features) {
        wr(VIRTIO_MMIO_STATUS, 0);
        wr(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
        wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
        wr(VIRTIO_MMIO_DRIVER_FEATURES, static_cast<uint32_t>(features));
        wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
        wr(VIRTIO_MMIO_DRIVER_FEATURES, static_cast<uint32_t>(features >> 32));
        wr(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK);
        return rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK;
    }
    void setup_queue(uint32_t index, uint64_t at) {
        std::memset(&buf[at], 0, 0x1000);
        wr(VIRTIO_MMIO_QUEUE_SEL, index);
        wr(VIRTIO_MMIO_QUEUE_NUM, m_qsize);
        wr(VIRTIO_MMIO_QUEUE_DESC_LOW, static_cast<uint32_t>(at));
        wr(VIRTIO_MMIO_QUEUE_AVAIL_LOW, static_cast<uint32_t>(at + 0x200));
        wr(VIRTIO_MMIO_QUEUE_USED_LOW, static_cast<uint32_t>(at + 0x400));
        wr(VIRTIO_MMIO_QUEUE_READY, 1);
    }
    void driver_ok() { wr(VIRTIO_MMIO_STATUS, rd(VIRTIO_MMIO_STATUS) | VIRTIO_CONFIG_S_DRIVER_OK); }
    bool needs_reset() { return rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET; }

    template <class T>
    void poke(uint64_t gpa, T v) {
        std::memcpy(&buf[gpa], &v, sizeof v);
    }
    template <class T>
    T peek(uint64_t gpa) {
        T v;
        std::memcpy(&v, &buf[gpa], sizeof v);
        return v;
    }
    void put(uint64_t gpa, const std::vector<uint8_t>& bytes) { std::memcpy(&buf[gpa], bytes.data(), bytes.size()); }
    std::vector<uint8_t> bytes(uint64_t gpa, size_t n) { return {buf.begin() + gpa, buf.begin() + gpa + n}; }

    void set_desc(uint64_t q, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next = 0) {
        poke<uint64_t>(q + 16 * i, addr);
        poke<uint32_t>(q + 16 * i + 8, len);
        poke<uint16_t>(q + 16 * i + 12, flags);
        poke<uint16_t>(q + 16 * i + 14, next);
    }
    // Makes chain `head` of the queue at `q` available and notifies queue `index`.
    void offer(uint64_t q, uint16_t head, uint32_t index) {
        const uint16_t idx = peek<uint16_t>(q + 0x200 + 2);
        poke<uint16_t>(q + 0x200 + 4 + 2 * (idx % m_qsize), head);
        std::atomic_ref<uint16_t>(*reinterpret_cast<uint16_t*>(&buf[q + 0x200 + 2]))
            .store(static_cast<uint16_t>(idx + 1), std::memory_order_release);
        t->notify(static_cast<uint16_t>(index));
    }
    uint16_t used_idx(uint64_t q) {
        return std::atomic_ref<uint16_t>(*reinterpret_cast<uint16_t*>(&buf[q + 0x400 + 2]))
            .load(std::memory_order_acquire);
    }
    struct Used {
        uint32_t id, len;
    };
    Used used(uint64_t q, uint16_t i) {
        return {peek<uint32_t>(q + 0x404 + 8 * (i % m_qsize)), peek<uint32_t>(q + 0x408 + 8 * (i % m_qsize))};
    }
    // Waits (a device may answer on its own thread) until the queue at `q` has used `n` chains.
    bool wait_used(uint64_t q, uint16_t n) {
        using namespace std::chrono_literals;
        for (auto end = std::chrono::steady_clock::now() + 5s; std::chrono::steady_clock::now() < end;) {
            if (used_idx(q) >= n) return true;
            std::this_thread::sleep_for(1ms);
        }
        return false;
    }

    std::vector<uint8_t> buf;
    GuestMemory mem;
    devices::CountingIrq irq;
    std::unique_ptr<MmioTransport> t;

private:
    uint16_t m_qsize;
};

}  // namespace strata::vmm::virtio::testing
