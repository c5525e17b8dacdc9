// The container's network reaches its micro-VM (vm/net): config.json's network namespace, built
// here as CNI and Podman build one (a veth whose peer is on the host), becomes the guest's NIC
// with the interface's MAC, address and routes, and traffic crosses in both directions. Then
// nothing of strata's stays in the namespace. Each test boots one guest at most.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "tests/vm/test_netns.h"
#include "tests/vm/vm_fixture.h"

namespace strata::test {
namespace {

class VmNetwork : public Vm {
protected:
    void SetUp() override {
        Vm::SetUp();
        if (IsSkipped() || HasFailure()) return;
        STRATA_REQUIRE(run_cmd({"ip", "netns", "list"}).status == 0, "no `ip netns` (install iproute2)");
    }
    void use_netns(const std::string& path) { join_netns(bundle->config, path); }
};

// Connects to ip:port until it answers (the guest is still booting) and returns what it sends.
std::string fetch(const std::string& ip, int port, std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<uint16_t>(port));
        inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
        if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
            std::string got;
            char buf[256];
            ssize_t n;
            while ((n = read(fd, buf, sizeof buf)) > 0) got.append(buf, static_cast<size_t>(n));
            close(fd);
            if (!got.empty()) return got;
        } else {
            close(fd);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return "";
}

TEST_F(VmNetwork, TheNamespacesInterfaceIsTheGuestsNic) {
    TestNetns ns;
    use_netns(ns.path());
    for (const char* set : {"bounding", "effective", "permitted"})
        bundle->config["process"]["capabilities"][set].push_back("CAP_NET_RAW");
    bundle->set_args({"sh", "-c",
                      "ip -o link show eth0; ip -o -4 addr show eth0; ip route; ping -c1 -W20 " + ns.subnet +
                          ".1 >/dev/null && echo PING-OK; echo from-guest | nc -l -p 7777; echo served"});
    bundle->save();
    std::string fetched;
    std::thread client([&] { fetched = fetch(ns.subnet + ".2", 7777, kBoot); });
    auto r = strata({"run", "-b", bundle->path(), "net1"}, "", kBoot);
    client.join();
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("link/ether " + ns.mac()), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("inet " + ns.subnet + ".2/24"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("default via " + ns.subnet + ".1 dev eth0"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("PING-OK"), std::string::npos) << r.out << r.err;  // guest -> host
    EXPECT_EQ(fetched, "from-guest\n");                                     // host -> guest
    EXPECT_NE(r.out.find("served"), std::string::npos) << r.out;
    EXPECT_EQ(r.err.find("cannot join it"), std::string::npos) << r.err;
    EXPECT_EQ(ns.leftovers(), "");
}

TEST_F(VmNetwork, BadNamespacePathsAreClearErrorsAndLeaveNothing) {
    use_netns("/run/netns/strata-no-such-netns");
    bundle->save();
    auto r = strata({"run", "-b", bundle->path(), "net2"}, "", kBoot);
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_NE(r.err.find(".path: open \"/run/netns/strata-no-such-netns\": ENOENT"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("linux.namespaces["), std::string::npos) << r.err;

    use_netns("/proc/self/ns/uts");  // a namespace, of another type
    bundle->save();
    r = strata({"run", "-b", bundle->path(), "net3"}, "", kBoot);
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_NE(r.err.find("is not a network namespace: EINVAL"), std::string::npos) << r.err;
    EXPECT_TRUE(eventually([&] { return our_inits().empty(); })) << "a monitor or QEMU is left";
}

TEST_F(VmNetwork, AnInterfaceWithoutEthernetIsRefusedAndNothingIsLeft) {
    TestNetns ns;
    TestNetns::sh("ip -n " + ns.name + " tuntap add l3tun mode tun && ip -n " + ns.name + " link set l3tun up");
    use_netns(ns.path());
    bundle->save();
    auto r = strata({"run", "-b", bundle->path(), "net4"}, "", kBoot);
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_NE(r.err.find("interface \"l3tun\""), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("cannot be redirected to the VM: EOPNOTSUPP"), std::string::npos) << r.err;
    EXPECT_EQ(ns.leftovers(), "");
    EXPECT_TRUE(eventually([&] { return our_inits().empty(); }));
}

TEST_F(VmNetwork, ASecondVmInTheSameNamespaceIsRefused) {
    TestNetns ns;
    use_netns(ns.path());
    bundle->save();
    auto first = strata.detached({"create", "-b", bundle->path(), "net5"}, log_path());
    ASSERT_EQ(first.status, 0) << first.out;
    EXPECT_NE(ns.leftovers().find("tap0_strata"), std::string::npos);  // the first VM's tap
    auto second = strata.detached({"create", "-b", bundle->path(), "net6"}, root.path() + "/second.log");
    EXPECT_EQ(second.status, 1) << second.err;
    EXPECT_NE(second.out.find("already has a VM"), std::string::npos) << second.out;
    EXPECT_NE(second.out.find(ns.path()), std::string::npos) << second.out;
    EXPECT_EQ(strata({"delete", "--force", "net5"}).status, 0);
    EXPECT_TRUE(eventually([&] { return ns.leftovers().find("tap0_strata") == std::string::npos; }));
}

}  // namespace
}  // namespace strata::test
