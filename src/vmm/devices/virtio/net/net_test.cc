// Unit tests of virtio-net behind the virtio-mmio transport, with guest RAM in a test buffer and a
// SOCK_SEQPACKET socketpair standing in for the tap (one frame per read and write, as a tap with
// IFF_NO_PI and no vnet header). The test plays the driver: it negotiates on the register window,
// builds descriptor chains, and is the host network on the socket's other end. The device's event
// loop runs, so frames from the "network" arrive on its thread as they would in a VM.

#include "vmm/devices/virtio/net/net.h"

#include <gtest/gtest.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

#include "sys/socket.h"
#include "vmm/devices/virtio/mmio.h"
#include "vmm/devices/virtio/net/abi.h"
#include "vmm/devices/virtio/net/mac.h"
#include "vmm/devices/virtio/test_driver.h"

namespace strata::vmm::virtio {
namespace {

using namespace std::chrono_literals;

constexpr uint16_t qsize = 16;
constexpr uint64_t rxq = 0x1000, txq = 0x2000, data = 0x10000, ram = 0x40000;
constexpr uint64_t f_mac = 1ull << net_abi::f_mac, f_mtu = 1ull << net_abi::f_mtu,
                   f_status = 1ull << net_abi::f_status;
constexpr uint64_t linux_features = f_version_1 | f_event_idx | f_indirect_desc | f_mac | f_mtu | f_status;
const MacAddress test_mac = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

// An Ethernet frame of `len` bytes: broadcast destination, the test MAC as source, an IPv4
// ethertype (or 802.1Q with `vlan`), then bytes counting from `seed`.
std::vector<uint8_t> frame(size_t len, uint8_t seed, bool vlan = false) {
    std::vector<uint8_t> f(len);
    for (size_t i = 0; i < len; ++i) f[i] = static_cast<uint8_t>(seed + i);
    std::memset(f.data(), 0xff, 6);
    std::memcpy(f.data() + 6, test_mac.data(), 6);
    f[12] = vlan ? 0x81 : 0x08;
    f[13] = 0x00;
    return f;
}

// The socket pair and event loop the device needs, made before the driver: a base class, so
// that they exist when testing::Driver is given the device.
struct NetParts {
    NetParts() {
        auto pair = sys::socketpair_seqpacket();
        EXPECT_TRUE(pair) << pair.error().message();
        peer = std::move(pair->a);
        host = std::move(pair->b);
        loop = std::move(*devices::EventLoop::create());
        auto d = Net::create(NicConfig{host.get(), test_mac, 1500}, *loop);
        EXPECT_TRUE(d) << d.error().message();
        dev = d->get();
        made = std::move(*d);
    }
    UniqueFd peer, host;
    std::unique_ptr<devices::EventLoop> loop;  // a base's member: it outlives the device
    std::unique_ptr<Net> made;
    Net* dev = nullptr;
};

class NetTest : public ::testing::Test, protected NetParts, protected testing::Driver {
protected:
    NetTest() : testing::Driver(std::move(made), ram, qsize, "virtio-net") { EXPECT_TRUE(loop->start()); }
    ~NetTest() override { loop->stop(); }

    // What Linux's virtio_net does up to DRIVER_OK, without posting receive buffers.
    void start(uint64_t features = linux_features) {
        ASSERT_TRUE(negotiate(features));
        setup_queue(Net::receiveq, rxq);
        setup_queue(Net::transmitq, txq);
        driver_ok();
        ASSERT_FALSE(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
    }

    // A receive chain at `head`: writable descriptors of the given lengths at consecutive
    // addresses from `at`.
    void rx_chain(uint16_t head, uint64_t at, std::initializer_list<uint32_t> lens) {
        uint16_t i = head;
        size_t k = 0;
        for (uint32_t len : lens) {
            const bool last = ++k == lens.size();
            set_desc(rxq, i, at, len, static_cast<uint16_t>(desc_f_write | (last ? 0 : desc_f_next)),
                     static_cast<uint16_t>(i + 1));
            at += len;
            ++i;
        }
    }
    void send(const std::vector<uint8_t>& f) {
        ASSERT_EQ(::send(peer.get(), f.data(), f.size(), 0), static_cast<ssize_t>(f.size()));
    }
    // The next frame the device wrote to the "tap", or empty after a timeout.
    std::vector<uint8_t> recv_frame(int timeout_ms = 2000) {
        pollfd p{peer.get(), POLLIN, 0};
        if (::poll(&p, 1, timeout_ms) != 1) return {};
        std::vector<uint8_t> f(70000);
        const ssize_t n = ::recv(peer.get(), f.data(), f.size(), MSG_DONTWAIT);
        f.resize(n > 0 ? static_cast<size_t>(n) : 0);
        return f;
    }
    // Bytes still queued towards the device (0: none).
    int queued_for_device() {
        int n = 0;
        EXPECT_EQ(::ioctl(host.get(), FIONREAD, &n), 0);
        return n;
    }
    std::vector<uint8_t> guest_bytes(uint64_t gpa, size_t n) { return bytes(gpa, n); }
};

TEST_F(NetTest, ConfigSpaceHoldsMacStatusAndMtu) {
    EXPECT_EQ(rd(VIRTIO_MMIO_DEVICE_ID), 1u) << "VIRTIO_ID_NET";
    wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    EXPECT_EQ(rd(VIRTIO_MMIO_DEVICE_FEATURES), (1u << 3) | (1u << 5) | (1u << 16) | (1u << 28) | (1u << 29))
        << "MTU, MAC, STATUS, INDIRECT_DESC, EVENT_IDX; no offloads, no MRG_RXBUF";
    wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
    EXPECT_EQ(rd(VIRTIO_MMIO_DEVICE_FEATURES), 1u) << "VERSION_1";
    wr(VIRTIO_MMIO_QUEUE_SEL, 2);
    EXPECT_EQ(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), 0u) << "one queue pair, no control queue";

    // Config space, read a byte at a time as Linux's virtio_cread_bytes does for the MAC.
    std::vector<uint8_t> cfg(12);
    for (size_t i = 0; i < cfg.size(); ++i) t->read(VIRTIO_MMIO_CONFIG + i, {&cfg[i], 1});
    EXPECT_EQ(cfg, (std::vector<uint8_t>{0x52, 0x54, 0x00, 0x12, 0x34, 0x56,  // mac
                                         0x01, 0x00,                          // status: LINK_UP
                                         0x01, 0x00,                          // max_virtqueue_pairs
                                         0xdc, 0x05}));                       // mtu 1500
    uint16_t mtu = 0;
    t->read(VIRTIO_MMIO_CONFIG + 10, {reinterpret_cast<uint8_t*>(&mtu), 2});
    EXPECT_EQ(mtu, 1500);
    uint8_t past = 0xee;
    t->read(VIRTIO_MMIO_CONFIG + 0x100, {&past, 1});
    EXPECT_EQ(past, 0) << "beyond the config struct reads as zero";
}

TEST_F(NetTest, FeatureNegotiationRefusesOffloadsItDoesNotOffer) {
    EXPECT_FALSE(negotiate(f_version_1 | f_mac | (1ull << net_abi::f_csum)));
    EXPECT_FALSE(negotiate(f_version_1 | (1ull << net_abi::f_guest_tso4)));
    EXPECT_FALSE(negotiate(f_version_1 | (1ull << net_abi::f_mrg_rxbuf)));
    EXPECT_FALSE(negotiate(f_mac | f_status)) << "legacy driver (no VERSION_1)";
    EXPECT_TRUE(negotiate(f_version_1)) << "the minimal driver";
    EXPECT_TRUE(negotiate(linux_features));
}

TEST_F(NetTest, TransmitChainReachesTheFdAsOneFrameWithoutTheHeader) {
    start();
    const auto f = frame(100, 1);
    // Header (garbage: the device must not forward it), then the frame split 20 + 80.
    std::memset(&buf[data], 0xff, Net::header_size);
    std::memcpy(&buf[data + 0x100], f.data(), 20);
    std::memcpy(&buf[data + 0x200], f.data() + 20, 80);
    set_desc(txq, 0, data, Net::header_size, desc_f_next, 1);
    set_desc(txq, 1, data + 0x100, 20, desc_f_next, 2);
    set_desc(txq, 2, data + 0x200, 80, 0);
    const int irqs = irq.count;
    offer(txq, 0, Net::transmitq);
    EXPECT_EQ(recv_frame(), f);
    ASSERT_EQ(used_idx(txq), 1);
    EXPECT_EQ(used(txq, 0).id, 0u);
    EXPECT_EQ(used(txq, 0).len, 0u) << "the device writes nothing into a transmit chain";
    EXPECT_GT(irq.count, irqs);

    // Linux's usual layout: header and frame in one descriptor.
    const auto g = frame(60, 7);
    std::memcpy(&buf[data + 0x400 + Net::header_size], g.data(), g.size());
    set_desc(txq, 5, data + 0x400, static_cast<uint32_t>(Net::header_size + g.size()), 0);
    offer(txq, 5, Net::transmitq);
    EXPECT_EQ(recv_frame(), g);
    EXPECT_EQ(dev->stats().tx_frames, 2u);
    EXPECT_EQ(recv_frame(50), std::vector<uint8_t>{}) << "nothing else was sent";
}

TEST_F(NetTest, ReceivedFrameLandsInThePostedBufferBehindAHeader) {
    start();
    std::memset(&buf[data], 0xaa, 0x1000);
    // The header itself split over two descriptors (8 + 1600 bytes).
    rx_chain(0, data, {8, 1600});
    offer(rxq, 0, Net::receiveq);
    const int irqs = irq.count;
    const auto f = frame(60, 3);
    send(f);
    ASSERT_TRUE(wait_used(rxq, 1));
    EXPECT_EQ(used(rxq, 0).id, 0u);
    EXPECT_EQ(used(rxq, 0).len, Net::header_size + 60);
    // flags, gso_type, hdr_len, gso_size, csum_start, csum_offset all 0; num_buffers 1.
    EXPECT_EQ(guest_bytes(data, Net::header_size), (std::vector<uint8_t>{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0}));
    EXPECT_EQ(guest_bytes(data + Net::header_size, 60), f);
    EXPECT_EQ(buf[data + Net::header_size + 60], 0xaa) << "nothing written past the frame";
    EXPECT_GT(irq.count, irqs);
    EXPECT_EQ(dev->stats().rx_frames, 1u);
}

TEST_F(NetTest, ReceiveWaitsWithoutLossUntilBuffersArePosted) {
    start();
    const auto a = frame(60, 10), b = frame(61, 20), c = frame(1514, 30);
    send(a);
    send(b);
    send(c);
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(used_idx(rxq), 0);
    EXPECT_EQ(queued_for_device(), 60 + 61 + 1514) << "the device did not read the fd without a buffer to put frames in";
    EXPECT_EQ(dev->stats().rx_dropped, 0u);

    rx_chain(0, data, {Net::header_size + 1514});
    offer(rxq, 0, Net::receiveq);
    ASSERT_TRUE(wait_used(rxq, 1));
    EXPECT_EQ(guest_bytes(data + Net::header_size, 60), a);
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(used_idx(rxq), 1) << "one buffer, one frame";
    EXPECT_EQ(queued_for_device(), 61 + 1514);

    rx_chain(1, data + 0x1000, {Net::header_size + 1514});
    rx_chain(2, data + 0x2000, {Net::header_size + 1514});
    offer(rxq, 1, Net::receiveq);
    offer(rxq, 2, Net::receiveq);
    ASSERT_TRUE(wait_used(rxq, 3));
    EXPECT_EQ(used(rxq, 1).len, Net::header_size + 61);
    EXPECT_EQ(guest_bytes(data + 0x1000 + Net::header_size, 61), b);
    EXPECT_EQ(used(rxq, 2).len, Net::header_size + 1514);
    EXPECT_EQ(guest_bytes(data + 0x2000 + Net::header_size, 1514), c);
    EXPECT_EQ(queued_for_device(), 0);
    EXPECT_EQ(dev->stats().rx_frames, 3u);
    EXPECT_EQ(dev->stats().rx_dropped, 0u);
}

TEST_F(NetTest, OversizedFramesAreDroppedAndTheBufferKept) {
    start();
    std::memset(&buf[data], 0xaa, 0x4000);
    rx_chain(0, data, {Net::header_size + 64});
    offer(rxq, 0, Net::receiveq);
    send(frame(100, 1));  // does not fit the buffer
    const auto small = frame(50, 2);
    send(small);
    ASSERT_TRUE(wait_used(rxq, 1));
    EXPECT_EQ(used(rxq, 0).len, Net::header_size + 50);
    EXPECT_EQ(guest_bytes(data + Net::header_size, 50), small);
    EXPECT_EQ(buf[data + Net::header_size + 64], 0xaa) << "nothing written past the buffer";

    // With net_abi::f_mtu negotiated: at most mtu + 14 bytes (+ 4 with a VLAN tag).
    rx_chain(1, data + 0x1000, {4000});
    rx_chain(2, data + 0x2000, {4000});
    offer(rxq, 1, Net::receiveq);
    offer(rxq, 2, Net::receiveq);
    send(frame(1515, 3));
    send(frame(1514, 4));
    send(frame(1518, 5, true));
    ASSERT_TRUE(wait_used(rxq, 3));
    EXPECT_EQ(used(rxq, 1).len, Net::header_size + 1514);
    EXPECT_EQ(used(rxq, 2).len, Net::header_size + 1518);
    EXPECT_EQ(dev->stats().rx_dropped, 2u);

    // A frame larger than any buffer the device has (a socket can carry one; a tap cannot).
    rx_chain(3, data + 0x3000, {100});
    offer(rxq, 3, Net::receiveq);
    std::vector<uint8_t> huge(Net::max_frame + 100, 0x55);
    ASSERT_EQ(::send(peer.get(), huge.data(), huge.size(), 0), static_cast<ssize_t>(huge.size()));
    send(frame(20, 6));
    ASSERT_TRUE(wait_used(rxq, 4));
    EXPECT_EQ(used(rxq, 3).len, Net::header_size + 20);
    EXPECT_EQ(dev->stats().rx_dropped, 3u);
}

TEST_F(NetTest, MalformedReceiveChainsAreReturnedEmpty) {
    start();
    std::memset(&buf[data], 0xaa, 0x1000);
    rx_chain(0, data, {8});                                      // shorter than the header
    set_desc(rxq, 1, data + 0x100, 100, 0);                      // device-readable
    set_desc(rxq, 2, ram - 0x10, 2000, desc_f_write);            // runs off the end of guest RAM
    set_desc(rxq, 3, 0xfffffffffffff000ull, 0x2000, desc_f_write);  // wraps around
    rx_chain(4, data + 0x400, {Net::header_size + 1514});
    for (uint16_t h : {0, 1, 2, 3, 4}) offer(rxq, h, Net::receiveq);
    ASSERT_TRUE(wait_used(rxq, 4));
    for (uint16_t i = 0; i < 4; ++i) {
        EXPECT_EQ(used(rxq, i).id, i);
        EXPECT_EQ(used(rxq, i).len, 0u);
    }
    const auto f = frame(80, 9);
    send(f);
    ASSERT_TRUE(wait_used(rxq, 5));
    EXPECT_EQ(used(rxq, 4).len, Net::header_size + 80) << "the frame went to the first usable buffer";
    EXPECT_EQ(guest_bytes(data + 0x400 + Net::header_size, 80), f);
    EXPECT_EQ(std::count(buf.begin() + data, buf.begin() + data + 0x400, 0xaa), 0x400)
        << "the bad chains were not written";
    EXPECT_EQ(dev->stats().rx_dropped, 0u);
}

TEST_F(NetTest, MalformedTransmitChainsAreDroppedWithoutWritingTheFd) {
    start();
    const auto good = frame(64, 4);
    set_desc(txq, 0, data, Net::header_size, 0);                          // header only
    set_desc(txq, 1, data, Net::header_size + 10, 0);                      // runt frame
    set_desc(txq, 2, ram - 0x20, 0x1000, 0);                               // off the end of RAM
    set_desc(txq, 3, data, 0xffffffff, 0);                                 // 4 GiB
    set_desc(txq, 4, data, static_cast<uint32_t>(Net::header_size + Net::max_frame + 1), 0);  // > 64 KiB
    std::memcpy(&buf[data + 0x100 + Net::header_size], good.data(), good.size());
    set_desc(txq, 5, data + 0x100, static_cast<uint32_t>(Net::header_size + good.size()), 0);
    for (uint16_t h : {0, 1, 2, 3, 4, 5}) offer(txq, h, Net::transmitq);
    ASSERT_EQ(used_idx(txq), 6);
    for (uint16_t i = 0; i < 6; ++i) EXPECT_EQ(used(txq, i).len, 0u);
    EXPECT_EQ(recv_frame(), good);
    EXPECT_EQ(recv_frame(50), std::vector<uint8_t>{}) << "only the good frame reached the fd";
    EXPECT_EQ(dev->stats().tx_dropped, 5u);
    EXPECT_FALSE(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET) << "bad buffers are not a broken ring";

    // A broken ring is: a chain that points past the descriptor table.
    set_desc(txq, 6, data, 100, desc_f_next, 40);
    offer(txq, 6, Net::transmitq);
    EXPECT_TRUE(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
    set_desc(txq, 7, data + 0x100, static_cast<uint32_t>(Net::header_size + good.size()), 0);
    offer(txq, 7, Net::transmitq);
    EXPECT_EQ(recv_frame(50), std::vector<uint8_t>{}) << "the device stopped using the queues";

    // Reset brings it back.
    start();
    set_desc(txq, 0, data + 0x100, static_cast<uint32_t>(Net::header_size + good.size()), 0);
    offer(txq, 0, Net::transmitq);
    EXPECT_EQ(recv_frame(), good);
}

TEST_F(NetTest, TransmitWaitsForTheFdInsteadOfDroppingFrames) {
    // A small send buffer: the fd says EAGAIN after a few frames until the peer reads.
    const int small = 4096;
    ASSERT_EQ(::setsockopt(host.get(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small), 0);
    start();
    for (uint16_t i = 0; i < qsize; ++i) {
        auto f = frame(1000, static_cast<uint8_t>(i));
        f[14] = static_cast<uint8_t>(i);
        const uint64_t at = data + 0x1000ull * i;
        std::memcpy(&buf[at + Net::header_size], f.data(), f.size());
        set_desc(txq, i, at, static_cast<uint32_t>(Net::header_size + f.size()), 0);
        offer(txq, i, Net::transmitq);
    }
    const uint16_t first = used_idx(txq);
    EXPECT_LT(first, qsize) << "the fd filled up";
    EXPECT_GT(first, 0);
    for (uint16_t i = 0; i < qsize; ++i) {
        auto f = recv_frame();
        ASSERT_EQ(f.size(), 1000u) << "frame " << i;
        EXPECT_EQ(f[14], i) << "in order";
    }
    ASSERT_TRUE(wait_used(txq, qsize)) << "EPOLLOUT resumed the queue";
    EXPECT_EQ(dev->stats().tx_frames, qsize);
    EXPECT_EQ(dev->stats().tx_dropped, 0u);
}

TEST_F(NetTest, ResetStopsReading) {
    start();
    rx_chain(0, data, {Net::header_size + 1514});
    offer(rxq, 0, Net::receiveq);
    wr(VIRTIO_MMIO_STATUS, 0);
    send(frame(60, 1));
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(queued_for_device(), 60) << "a reset device holds no buffer and reads nothing";
    EXPECT_EQ(used_idx(rxq), 0);
}

TEST_F(NetTest, PeerClosingEndsReceiveOnly) {
    start();
    rx_chain(0, data, {Net::header_size + 1514});
    offer(rxq, 0, Net::receiveq);
    peer.reset();
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(used_idx(rxq), 0);
    // Transmit still completes (the frame is lost, as on an unplugged cable).
    set_desc(txq, 0, data + 0x1000, static_cast<uint32_t>(Net::header_size + 60), 0);
    offer(txq, 0, Net::transmitq);
    EXPECT_EQ(used_idx(txq), 1);
    EXPECT_EQ(dev->stats().tx_dropped, 1u);
}

TEST(TapFd, RefusesFdsThatDoNotCarryFrames) {
    auto stream = sys::socketpair_stream();
    ASSERT_TRUE(stream);
    auto r = TapFd::open(stream->a.get());
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("stream socket"), std::string::npos) << r.error().message();

    int p[2];
    ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
    r = TapFd::open(p[0]);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("fd " + std::to_string(p[0]) + " is neither a tap nor a socket"),
              std::string::npos)
        << r.error().message();
    ::close(p[0]);
    ::close(p[1]);

    r = TapFd::open(p[0]);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, EBADF);

    auto dgram = sys::socketpair_seqpacket();
    ASSERT_TRUE(dgram);
    auto ok = TapFd::open(dgram->a.get());
    ASSERT_TRUE(ok) << ok.error().message();
    EXPECT_EQ(ok->header_len(), 0u);
    EXPECT_NE(ok->fd(), dgram->a.get()) << "duplicated";
}

TEST(TapFd, RefusesATunFdWithoutAnInterface) {
    // /dev/net/tun opens without privilege; before TUNSETIFF it is no interface at all.
    int fd = ::open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) GTEST_SKIP() << "no /dev/net/tun";
    auto r = TapFd::open(fd);
    ::close(fd);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("not attached to an interface"), std::string::npos) << r.error().message();
}

TEST(NicConfig, MacAddressesParseAndPrint) {
    auto m = parse_mac("52:54:00:AB:cd:0f");
    ASSERT_TRUE(m) << m.error().message();
    EXPECT_EQ(*m, (MacAddress{0x52, 0x54, 0x00, 0xab, 0xcd, 0x0f}));
    EXPECT_EQ(to_string(*m), "52:54:00:ab:cd:0f");
    EXPECT_TRUE(parse_mac("52-54-00-ab-cd-0f"));
    for (const char* bad : {"", "52:54:00:ab:cd", "52:54:00:ab:cd:0g", "52:54:00:ab:cd:0f:", "525400abcd0f00000"}) {
        auto r = parse_mac(bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_NE(r.error().message().find("MAC address"), std::string::npos);
    }
    const MacAddress r = random_mac();
    EXPECT_FALSE(is_multicast(r));
    EXPECT_EQ(r[0] & 2, 2) << "locally administered";
}

// Bad NICs are refused before /dev/kvm is even opened, so this runs anywhere.
TEST(NicConfig, MachineRefusesBadNics) {
    auto pair = sys::socketpair_seqpacket();
    ASSERT_TRUE(pair);
    auto create = [&](NicConfig nic) {
        MachineConfig c;
        c.kernel = "/nonexistent";
        c.nics.push_back(nic);
        auto m = Machine::create(c);
        return m ? std::string() : m.error().message();
    };
    EXPECT_NE(create({-1, {}, 1500}).find("nic 0: no fd"), std::string::npos);
    EXPECT_NE(create({pair->a.get(), {}, 67}).find("nic 0: mtu 67 (68-65517"), std::string::npos);
    EXPECT_NE(create({pair->a.get(), {0x01, 0, 0, 0, 0, 1}, 1500}).find("multicast"), std::string::npos);
}

}  // namespace
}  // namespace strata::vmm::virtio
