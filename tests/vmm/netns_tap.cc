#include "tests/vmm/netns_tap.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
// <linux/if_tun.h> needs _IOR from <sys/ioctl.h> first.
#include <linux/if_tun.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace strata::vmm::test {
namespace {

constexpr char ifname[] = "stap0";

bool set_ipv4(int ctl, const std::string& cidr) {
    const auto slash = cidr.find('/');
    const int prefix = slash == std::string::npos ? 32 : std::stoi(cidr.substr(slash + 1));
    ifreq ifr{};
    std::strcpy(ifr.ifr_name, ifname);
    auto* sin = reinterpret_cast<sockaddr_in*>(&ifr.ifr_addr);
    sin->sin_family = AF_INET;
    if (::inet_pton(AF_INET, cidr.substr(0, slash).c_str(), &sin->sin_addr) != 1) return false;
    if (::ioctl(ctl, SIOCSIFADDR, &ifr) < 0) return false;
    sin->sin_addr.s_addr = htonl(prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix));
    return ::ioctl(ctl, SIOCSIFNETMASK, &ifr) == 0;
}

}  // namespace

NetnsTap make_netns_tap(const NetnsTapOptions& o) {
    NetnsTap t;
    std::thread([&] {
        auto fail = [&](const std::string& what) { t.error = what + ": " + std::strerror(errno); };
        if (::unshare(CLONE_NEWNET) < 0) return fail("unshare(CLONE_NEWNET)");
        for (const char* p : {"/proc/sys/net/ipv6/conf/default/disable_ipv6", "/proc/sys/net/ipv6/conf/all/disable_ipv6"}) {
            UniqueFd f(::open(p, O_WRONLY | O_CLOEXEC));
            if (f.get() >= 0 && ::write(f.get(), "1", 1) != 1) return fail(p);
        }
        t.tap.reset(::open("/dev/net/tun", O_RDWR | O_CLOEXEC));
        if (t.tap.get() < 0) return fail("open /dev/net/tun");
        ifreq ifr{};
        std::strcpy(ifr.ifr_name, ifname);
        ifr.ifr_flags = o.flags;
        if (::ioctl(t.tap.get(), TUNSETIFF, &ifr) < 0) return fail("TUNSETIFF");
        int size = o.vnet_hdr_size;
        if (size && ::ioctl(t.tap.get(), TUNSETVNETHDRSZ, &size) < 0) return fail("TUNSETVNETHDRSZ");
        if (!o.up) return;
        UniqueFd ctl(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        if (!o.ipv4.empty() && !set_ipv4(ctl.get(), o.ipv4)) return fail("set " + o.ipv4 + " on stap0");
        ifreq link{};
        std::strcpy(link.ifr_name, ifname);
        link.ifr_flags = IFF_UP;
        if (::ioctl(ctl.get(), SIOCSIFFLAGS, &link) < 0) return fail("SIOCSIFFLAGS");
        t.packet.reset(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL)));
        if (t.packet.get() < 0) return fail("socket(AF_PACKET)");
        sockaddr_ll sll{};
        sll.sll_family = AF_PACKET;
        sll.sll_protocol = htons(ETH_P_ALL);
        sll.sll_ifindex = static_cast<int>(::if_nametoindex(ifname));
        if (::bind(t.packet.get(), reinterpret_cast<sockaddr*>(&sll), sizeof sll) < 0) return fail("bind AF_PACKET");
    }).join();
    return t;
}

}  // namespace strata::vmm::test
