// Unit tests of the virtio-mmio transport's state machine, with a fake device: the test plays
// the driver on the register window.

#include "vmm/devices/virtio/mmio.h"

#include <gtest/gtest.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>

#include <cstring>

namespace strata::vmm::virtio {
namespace {

class FakeDevice : public VirtioDevice {
public:
    uint32_t device_id() const override { return 42; }
    uint64_t device_features() const override { return f_version_1 | f_event_idx | 0x5; }
    std::vector<uint16_t> queue_sizes() const override { return {16, 8}; }
    void read_config(uint64_t offset, std::span<uint8_t> data) const override {
        for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(0xc0 + offset + i);
    }
    Result<> activate(uint64_t features, const GuestMemory&, std::span<Queue> queues, Interrupt& irq) override {
        activated_features = features;
        ready_queues = 0;
        for (auto& q : queues) ready_queues += q.ready;
        interrupt = &irq;
        return {};
    }
    void queue_notify(uint16_t index) override { notified.push_back(index); }
    void reset() override { ++resets; }

    uint64_t activated_features = 0;
    int ready_queues = -1;
    Interrupt* interrupt = nullptr;
    std::vector<uint16_t> notified;
    int resets = 0;
};

class MmioTest : public ::testing::Test {
protected:
    MmioTest() : buf(0x10000, 0), mem(GuestMemory::wrap(buf, 0)) {
        auto d = std::make_unique<FakeDevice>();
        dev = d.get();
        t = std::make_unique<MmioTransport>(std::move(d), mem, &irq, "fake");
    }
    uint32_t rd(uint64_t off) {
        uint32_t v = 0;
        t->read(off, {reinterpret_cast<uint8_t*>(&v), 4});
        return v;
    }
    void wr(uint64_t off, uint32_t v) { t->write(off, {reinterpret_cast<const uint8_t*>(&v), 4}); }
    void setup_queue(uint32_t index, uint64_t at) {
        wr(VIRTIO_MMIO_QUEUE_SEL, index);
        wr(VIRTIO_MMIO_QUEUE_NUM, 8);
        wr(VIRTIO_MMIO_QUEUE_DESC_LOW, static_cast<uint32_t>(at));
        wr(VIRTIO_MMIO_QUEUE_AVAIL_LOW, static_cast<uint32_t>(at + 0x200));
        wr(VIRTIO_MMIO_QUEUE_USED_LOW, static_cast<uint32_t>(at + 0x400));
        wr(VIRTIO_MMIO_QUEUE_READY, 1);
    }
    void negotiate(uint64_t features) {
        wr(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
        wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
        wr(VIRTIO_MMIO_DRIVER_FEATURES, static_cast<uint32_t>(features));
        wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
        wr(VIRTIO_MMIO_DRIVER_FEATURES, static_cast<uint32_t>(features >> 32));
        wr(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK);
    }

    std::vector<uint8_t> buf;
    GuestMemory mem;
    devices::CountingIrq irq;
    FakeDevice* dev;
    std::unique_ptr<MmioTransport> t;
};

TEST_F(MmioTest, IdentifiesAsVersion2) {
    EXPECT_EQ(rd(VIRTIO_MMIO_MAGIC_VALUE), 0x74726976u);
    EXPECT_EQ(rd(VIRTIO_MMIO_VERSION), 2u);
    EXPECT_EQ(rd(VIRTIO_MMIO_DEVICE_ID), 42u);
    wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    EXPECT_EQ(rd(VIRTIO_MMIO_DEVICE_FEATURES), (1u << 29) | 0x5);
    wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
    EXPECT_EQ(rd(VIRTIO_MMIO_DEVICE_FEATURES), 1u);
    wr(VIRTIO_MMIO_QUEUE_SEL, 1);
    EXPECT_EQ(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), 8u);
    wr(VIRTIO_MMIO_QUEUE_SEL, 2);
    EXPECT_EQ(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), 0u) << "no such queue";
    uint8_t cfg[2];
    t->read(VIRTIO_MMIO_CONFIG + 3, cfg);
    EXPECT_EQ(cfg[0], 0xc3) << "config space is byte-addressable";
    uint16_t narrow = 0xffff;
    t->read(VIRTIO_MMIO_MAGIC_VALUE, {reinterpret_cast<uint8_t*>(&narrow), 2});
    EXPECT_EQ(narrow, 0) << "control registers are 32-bit only";
}

TEST_F(MmioTest, RefusesFeaturesItDidNotOfferOrLegacyDrivers) {
    negotiate(f_version_1 | 0x2);  // bit 1 not offered
    EXPECT_FALSE(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK);
    wr(VIRTIO_MMIO_STATUS, 0);
    negotiate(0x1);  // no VERSION_1
    EXPECT_FALSE(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK);
    wr(VIRTIO_MMIO_STATUS, 0);
    negotiate(f_version_1 | 0x1);
    EXPECT_TRUE(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK);
}

TEST_F(MmioTest, DriverOkActivatesWithConfiguredQueues) {
    negotiate(f_version_1 | f_event_idx);
    setup_queue(0, 0x1000);
    EXPECT_EQ(rd(VIRTIO_MMIO_QUEUE_READY), 1u);
    wr(VIRTIO_MMIO_QUEUE_SEL, 1);
    wr(VIRTIO_MMIO_QUEUE_NUM, 6);  // not a power of two
    wr(VIRTIO_MMIO_QUEUE_READY, 1);
    EXPECT_EQ(rd(VIRTIO_MMIO_QUEUE_READY), 0u) << "invalid layout refused";
    wr(VIRTIO_MMIO_STATUS, rd(VIRTIO_MMIO_STATUS) | VIRTIO_CONFIG_S_DRIVER_OK);
    EXPECT_EQ(dev->activated_features, f_version_1 | f_event_idx);
    EXPECT_EQ(dev->ready_queues, 1);

    t->notify(0);
    wr(VIRTIO_MMIO_QUEUE_NOTIFY, 1);
    EXPECT_EQ(dev->notified, (std::vector<uint16_t>{0, 1}));

    ASSERT_NE(dev->interrupt, nullptr);
    {
        std::lock_guard lock(dev->lock());
        dev->interrupt->used_buffer();
    }
    EXPECT_EQ(irq.count, 1);
    EXPECT_EQ(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 1u);
    wr(VIRTIO_MMIO_INTERRUPT_ACK, 1);
    EXPECT_EQ(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0u);

    // A live queue's layout is frozen.
    wr(VIRTIO_MMIO_QUEUE_SEL, 0);
    wr(VIRTIO_MMIO_QUEUE_DESC_LOW, 0x5000);
    EXPECT_EQ(rd(VIRTIO_MMIO_QUEUE_DESC_LOW), 0x1000u);

    wr(VIRTIO_MMIO_STATUS, 0);
    EXPECT_EQ(dev->resets, 1);
    EXPECT_EQ(rd(VIRTIO_MMIO_STATUS), 0u);
    EXPECT_EQ(rd(VIRTIO_MMIO_QUEUE_READY), 0u);
    t->notify(0);
    EXPECT_EQ(dev->notified.size(), 2u) << "no notifies after reset";
}

TEST_F(MmioTest, DriverOkWithoutFeaturesOkNeedsReset) {
    wr(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_DRIVER_OK);
    EXPECT_TRUE(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
    EXPECT_EQ(rd(VIRTIO_MMIO_INTERRUPT_STATUS) & 2, 2u) << "config change interrupt";
    EXPECT_EQ(dev->ready_queues, -1) << "never activated";
}

}  // namespace
}  // namespace strata::vmm::virtio
