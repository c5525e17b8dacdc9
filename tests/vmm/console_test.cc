// virtio-console port 0 joined to a host socket: the console guest echoes what the host sends.

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/support/require.h"
#include "tests/vmm/guest_run.h"

namespace strata::vmm::test {
namespace {

TEST(VmmConsole, EchoThroughTheHostFd) {
    STRATA_REQUIRE_KVM();
    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    const std::string ping = "ping from the host\n";
    ASSERT_EQ(::write(sv[0], ping.data(), ping.size()), static_cast<ssize_t>(ping.size()));

    MachineConfig c;
    c.kernel = guest("console.elf");
    c.mem_mib = 16;
    c.console_fd = sv[1];
    auto r = run_guest(c);
    ::close(sv[1]);
    ASSERT_TRUE(r.exit) << r.exit.error().message() << "\n" << r.serial;
    EXPECT_EQ(*r.exit, ExitReason::reset);
    ASSERT_NE(r.serial.find("console: done"), std::string::npos) << r.serial;
    EXPECT_EQ(value(r.serial, "received"), "0x13");

    std::string got;
    char buf[256];
    ssize_t n;
    while ((n = ::recv(sv[0], buf, sizeof buf, MSG_DONTWAIT)) > 0) got.append(buf, static_cast<size_t>(n));
    ::close(sv[0]);
    EXPECT_EQ(got, "echo: " + ping);
    EXPECT_EQ(value(r.serial, "interrupts"), "0x2");
}

}  // namespace
}  // namespace strata::vmm::test
