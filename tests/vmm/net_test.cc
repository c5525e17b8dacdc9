// virtio-net end to end: the net guest sends one Ethernet frame and receives one through a real
// virtqueue under /dev/kvm, first over a SOCK_SEQPACKET socketpair, then over a real tap
// (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, as the micro-VM backend opens it) in a network namespace
// of the test's own, with an AF_PACKET socket on the tap's interface as the host's network.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
// <linux/if_tun.h> needs _IOR from <sys/ioctl.h> first.
#include <linux/if_tun.h>

#include <cstring>

#include "base/unique_fd.h"
#include "tests/support/require.h"
#include "tests/vmm/guest_run.h"
#include "tests/vmm/netns_tap.h"
#include "vmm/devices/virtio/net/tap.h"

namespace strata::vmm::test {
namespace {

const MacAddress guest_mac = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
const std::string guest_payload = "hello from the strata guest";
const std::string host_payload = "hello from the host";

// What the guest sends: broadcast, from its MAC, ethertype 0x88b5, the payload, zero padding to 64.
std::string guest_frame() {
    std::string f(64, '\0');
    f.replace(0, 6, 6, '\xff');
    f.replace(6, 6, reinterpret_cast<const char*>(guest_mac.data()), 6);
    f[12] = '\x88';
    f[13] = '\xb5';
    f.replace(14, guest_payload.size(), guest_payload);
    return f;
}

// What the host sends the guest: to its MAC, from 02:00:00:00:00:01.
std::string host_frame() {
    std::string f(reinterpret_cast<const char*>(guest_mac.data()), 6);
    f += std::string("\x02\x00\x00\x00\x00\x01", 6);
    f += "\x88\xb5";
    return f + host_payload;
}

std::string recv_frame(int fd) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 2000) != 1) return "";
    char buf[2048];
    const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

void expect_guest_saw_host_frame(const GuestRun& r, uint16_t mtu) {
    const std::string& s = r.serial;
    ASSERT_NE(s.find("net: done"), std::string::npos) << s;
    // VERSION_1, EVENT_IDX, STATUS, MAC, MTU.
    EXPECT_EQ(value(s, "negotiated"), "0x120010028");
    EXPECT_EQ(value(s, "mac"), "0x525400123456");
    EXPECT_EQ(value(s, "status"), "0x1") << "link up";
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%x", mtu);
    EXPECT_EQ(value(s, "mtu"), hex);
    EXPECT_EQ(value(s, "tx_used_len"), "0x0");
    std::snprintf(hex, sizeof hex, "0x%zx", 12 + host_frame().size());
    EXPECT_EQ(value(s, "rx_used_len"), hex);
    EXPECT_EQ(value(s, "rx_hdr_nonzero_bytes"), "0x400") << "only num_buffers' low byte is set";
    EXPECT_EQ(value(s, "rx_num_buffers"), "0x1");
    EXPECT_EQ(value(s, "rx_payload"), host_payload);
}

TEST(VmmNet, OneFrameEachWayThroughASocketPair) {
    STRATA_REQUIRE_KVM();
    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    UniqueFd host(sv[0]), vm_end(sv[1]);
    // Queued before the guest boots: it must wait in the fd until the guest posts a buffer.
    const std::string in = host_frame();
    ASSERT_EQ(::send(host.get(), in.data(), in.size(), 0), static_cast<ssize_t>(in.size()));

    MachineConfig c;
    c.kernel = guest("net.elf");
    c.mem_mib = 16;
    c.nics.push_back({vm_end.get(), guest_mac, 1400});
    auto r = run_guest(c);
    ASSERT_TRUE(r.exit) << r.exit.error().message() << "\n" << r.serial;
    EXPECT_EQ(*r.exit, ExitReason::reset);
    EXPECT_NE(r.cmdline.find("virtio_mmio.device=4K@0xd0000000:5"), std::string::npos) << r.cmdline;
    expect_guest_saw_host_frame(r, 1400);
    EXPECT_EQ(recv_frame(host.get()), guest_frame());
}

TEST(VmmNet, OneFrameEachWayThroughARealTapWithVnetHeader) {
    STRATA_REQUIRE_KVM();
    STRATA_REQUIRE_ROOT();
    // 0: the tap's default vnet header (10 bytes, struct virtio_net_hdr); 12: with num_buffers.
    for (int hdr : {0, 12}) {
        SCOPED_TRACE("TUNSETVNETHDRSZ " + std::to_string(hdr));
        NetnsTap t = make_netns_tap({.vnet_hdr_size = hdr});
        ASSERT_EQ(t.error, "");
        // Sent out of the interface before the guest boots: it waits in the tap's queue.
        const std::string in = host_frame();
        ASSERT_EQ(::send(t.packet.get(), in.data(), in.size(), 0), static_cast<ssize_t>(in.size()));

        MachineConfig c;
        c.kernel = guest("net.elf");
        c.mem_mib = 16;
        c.nics.push_back({t.tap.get(), guest_mac, 1500});
        auto r = run_guest(c);
        ASSERT_TRUE(r.exit) << r.exit.error().message() << "\n" << r.serial;
        EXPECT_EQ(*r.exit, ExitReason::reset);
        expect_guest_saw_host_frame(r, 1500);
        EXPECT_EQ(recv_frame(t.packet.get()), guest_frame()) << "the interface received the guest's frame";
    }
}

// A tap without IFF_NO_PI is not tested: Linux 6.18 (this machine class) reports IFF_NO_PI in
// TUNGETIFF whether or not it was asked for, while still prefixing packet information.
TEST(VmmNet, TunDevicesAreRefused) {
    STRATA_REQUIRE_ROOT();
    NetnsTap t = make_netns_tap({.flags = static_cast<short>(IFF_TUN | IFF_NO_PI), .up = false});
    ASSERT_EQ(t.error, "");
    auto r = virtio::TapFd::open(t.tap.get());
    ASSERT_FALSE(r) << r->name();
    EXPECT_NE(r.error().message().find("tun device stap0 (fd "), std::string::npos) << r.error().message();
    EXPECT_NE(r.error().message().find("carries IP packets (IFF_TUN)"), std::string::npos) << r.error().message();
}

}  // namespace
}  // namespace strata::vmm::test
