// Unit tests of virtio-9p behind the virtio-mmio transport: the test is the guest's virtio 9P
// transport (a chain per request: the T-message readable, room for the R-message writable), on a
// real host directory.

#include "vmm/devices/virtio/p9/device.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/virtio_9p.h>
#include <linux/virtio_ids.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>
#include <fstream>

#include "vmm/devices/virtio/test_driver.h"

namespace strata::vmm::virtio {
namespace {

namespace fs = std::filesystem;
using p9::Reader;
using p9::Writer;

constexpr uint64_t q = 0x1000, req = 0x4000, rsp = 0x8000, page = 0x10000, ram = 0x40000;
constexpr uint16_t qsize = 16;

class NinePDevice : public ::testing::Test {
protected:
    void SetUp() override {
        char t[] = "/tmp/p9-device-test.XXXXXX";
        ASSERT_NE(::mkdtemp(t), nullptr);
        dir = t;
        std::ofstream(dir / "file") << std::string(9000, 'a') + "tail";
        auto d = NineP::create(dir, "strata");
        ASSERT_TRUE(d) << d.error().message();
        drv = std::make_unique<testing::Driver>(std::move(*d), ram, qsize, "virtio-9p");
    }
    void TearDown() override { fs::remove_all(dir); }

    void start() {
        ASSERT_TRUE(drv->negotiate(f_version_1 | (1ull << VIRTIO_9P_MOUNT_TAG)));
        drv->setup_queue(0, q);
        drv->driver_ok();
        ASSERT_FALSE(drv->needs_reset());
    }
    // Sends `msg` in one readable descriptor with `room` writable bytes split as `parts`; returns
    // what the device wrote, as long as the used ring says.
    std::vector<uint8_t> rpc(std::vector<uint8_t> msg, std::vector<uint32_t> parts = {4096}) {
        drv->put(req, msg);
        drv->set_desc(q, 0, req, static_cast<uint32_t>(msg.size()), desc_f_next, 1);
        uint64_t at = rsp;
        uint16_t i = 1;
        for (size_t k = 0; k < parts.size(); ++k, ++i) {
            const bool last = k + 1 == parts.size();
            if (k == 1) at = page;  // the data pages of a zero-copy read are elsewhere
            drv->set_desc(q, i, at, parts[k], static_cast<uint16_t>(desc_f_write | (last ? 0 : desc_f_next)),
                          static_cast<uint16_t>(i + 1));
            at += parts[k];
        }
        const uint16_t before = drv->used_idx(q);
        drv->offer(q, 0, 0);
        EXPECT_TRUE(drv->wait_used(q, static_cast<uint16_t>(before + 1)));
        const auto u = drv->used(q, before);
        EXPECT_EQ(u.id, 0u);
        // Gather the writable parts back into one message.
        std::vector<uint8_t> out;
        uint32_t left = u.len;
        at = rsp;
        for (size_t k = 0; k < parts.size() && left > 0; ++k) {
            if (k == 1) at = page;
            const uint32_t n = std::min(left, parts[k]);
            auto b = drv->bytes(at, n);
            out.insert(out.end(), b.begin(), b.end());
            left -= n;
            at += parts[k];
        }
        return out;
    }

    fs::path dir;
    std::unique_ptr<testing::Driver> drv;
};

TEST_F(NinePDevice, IsA9pDeviceWithItsMountTagInConfigSpace) {
    EXPECT_EQ(drv->rd(VIRTIO_MMIO_DEVICE_ID), uint32_t{VIRTIO_ID_9P});
    EXPECT_TRUE(drv->device_features() & (1ull << VIRTIO_9P_MOUNT_TAG));
    drv->wr(VIRTIO_MMIO_QUEUE_SEL, 0);
    EXPECT_EQ(drv->rd(VIRTIO_MMIO_QUEUE_NUM_MAX), NineP::queue_size);
    uint8_t cfg[8] = {};
    for (size_t i = 0; i < sizeof cfg; ++i) {
        uint8_t b = 0;
        drv->t->read(VIRTIO_MMIO_CONFIG + i, {&b, 1});
        cfg[i] = b;
    }
    EXPECT_EQ(cfg[0] | (cfg[1] << 8), 6);
    EXPECT_EQ(std::string(reinterpret_cast<char*>(cfg + 2), 6), "strata");
    EXPECT_FALSE(NineP::create(dir, ""));
    EXPECT_FALSE(NineP::create(dir, std::string(256, 't')));
    auto missing = NineP::create(dir / "nope", "strata");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, ENOENT);
    EXPECT_NE(missing.error().message().find("nope"), std::string::npos) << missing.error().message();
}

TEST_F(NinePDevice, ServesASessionOverTheQueueWithAZeroCopyRead) {
    start();
    auto v = rpc(Writer(p9::Tversion, p9::no_tag).u32(512000).str("9P2000.L").finish());
    ASSERT_GT(v.size(), 4u);
    EXPECT_EQ(v[4], p9::Rversion);
    EXPECT_EQ(rpc(Writer(p9::Tattach, 1).u32(1).u32(p9::no_fid).str("").str("").u32(0).finish())[4], p9::Rattach);
    auto w = rpc(Writer(p9::Twalk, 2).u32(1).u32(2).u16(1).str("file").finish());
    EXPECT_EQ(w[4], p9::Rwalk);
    EXPECT_EQ(rpc(Writer(p9::Tlopen, 3).u32(2).u32(O_RDONLY).finish())[4], p9::Rlopen);
    // Linux's zero-copy read: an 11-byte buffer for Rread's header, then the data pages.
    auto r = rpc(Writer(p9::Tread, 4).u32(2).u64(8000).u32(8192).finish(), {11, 4096, 4096});
    ASSERT_GE(r.size(), 11u);
    Reader h(r);
    EXPECT_EQ(h.u32(), r.size());
    EXPECT_EQ(h.u8(), p9::Rread);
    EXPECT_EQ(h.u16(), 4);
    const uint32_t n = h.u32();
    EXPECT_EQ(n, 1004u);
    auto data = h.bytes(n);
    EXPECT_EQ(std::string(data.begin(), data.end()), std::string(1000, 'a') + "tail");
    EXPECT_FALSE(drv->needs_reset());
    EXPECT_GT(drv->irq.count.load(), 0);
}

TEST_F(NinePDevice, AChainWithNoRoomForTheReplyIsReturnedEmpty) {
    start();
    drv->put(req, Writer(p9::Tversion, p9::no_tag).u32(8192).str("9P2000.L").finish());
    drv->set_desc(q, 0, req, 21, 0);  // readable only
    drv->offer(q, 0, 0);
    ASSERT_TRUE(drv->wait_used(q, 1));
    EXPECT_EQ(drv->used(q, 0).len, 0u);
    EXPECT_FALSE(drv->needs_reset());
}

TEST_F(NinePDevice, ABrokenRingAsksForAReset) {
    start();
    drv->set_desc(q, 0, ram + 0x1000, 64, 0);  // outside guest RAM
    drv->offer(q, 0, 0);
    bool reset = false;
    for (int i = 0; i < 5000 && !reset; ++i) {  // the worker answers on its own thread
        reset = drv->needs_reset();
        if (!reset) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    EXPECT_TRUE(reset);
}

TEST_F(NinePDevice, ARequestInFlightAtResetIsNotReturnedToTheNewRings) {
    start();
    // A slow request: a read the worker serves while the driver resets the device.
    auto v = rpc(Writer(p9::Tversion, p9::no_tag).u32(512000).str("9P2000.L").finish());
    ASSERT_EQ(v[4], p9::Rversion);
    drv->put(req, Writer(p9::Tattach, 1).u32(1).u32(p9::no_fid).str("").str("").u32(0).finish());
    drv->set_desc(q, 0, req, 64, desc_f_next, 1);
    drv->set_desc(q, 1, rsp, 4096, desc_f_write);
    drv->offer(q, 0, 0);
    drv->wr(VIRTIO_MMIO_STATUS, 0);  // reset, perhaps while the worker serves it
    start();                         // fresh rings
    EXPECT_EQ(drv->used_idx(q), 0);  // nothing from before the reset lands in them
    auto again = rpc(Writer(p9::Tversion, p9::no_tag).u32(8192).str("9P2000.L").finish());
    ASSERT_GT(again.size(), 4u);
    EXPECT_EQ(again[4], p9::Rversion);
    EXPECT_EQ(drv->used_idx(q), 1);
}

}  // namespace
}  // namespace strata::vmm::virtio
