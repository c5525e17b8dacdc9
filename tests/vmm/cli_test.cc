// `strata vmm run`: the developer command boots a guest with COM1 on stdout and turns the exit
// reason into its status.

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/support/cli.h"
#include "tests/support/require.h"
#include "tests/vmm/guest_run.h"

namespace strata::vmm::test {
namespace {

using strata::test::run_cmd;
using strata::test::strata_bin;

TEST(VmmCli, RunPrintsTheSerialConsoleAndExitsZeroOnReset) {
    STRATA_REQUIRE_KVM();
    auto r = run_cmd({strata_bin(), "vmm", "run", "--kernel", guest("reset.elf"), "--mem", "8"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("reset: pulsing the i8042 reset line"), std::string::npos) << r.out;
}

TEST(VmmCli, StatusFollowsTheExitReason) {
    STRATA_REQUIRE_KVM();
    auto r = run_cmd({strata_bin(), "vmm", "run", "--kernel", guest("triple_fault.elf"), "--mem", "8"});
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_NE(r.err.find("triple fault"), std::string::npos) << r.err;
    r = run_cmd({strata_bin(), "vmm", "run", "--kernel", guest("hang.elf"), "--mem", "8", "--timeout", "0.3"});
    EXPECT_EQ(r.status, 124) << r.err;
}

TEST(VmmCli, DiskAndCmdlineFlags) {
    STRATA_REQUIRE_KVM();
    TempFile disk(std::string(8 * 512, 'd'));
    auto r = run_cmd({strata_bin(), "vmm", "run", "--kernel", guest("blk.elf"), "--mem", "16", "--disk",
                      disk.path() + ":rw", "--cmdline", "strata.flag=1"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("readback=match"), std::string::npos) << r.out;
    EXPECT_EQ(disk.read().substr(512, 27), "written by the strata guest");
}

TEST(VmmCli, NetTapFlag) {
    STRATA_REQUIRE_KVM();
    // Not close-on-exec: strata inherits the VM's end, as a caller hands it a tap.
    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
    const std::string in = std::string("\x52\x54\x00\x12\x34\x56\x02\x00\x00\x00\x00\x01\x88\xb5", 14) +
                           "hello from the host";
    ASSERT_EQ(::send(sv[0], in.data(), in.size(), 0), static_cast<ssize_t>(in.size()));
    auto r = run_cmd({strata_bin(), "vmm", "run", "--kernel", guest("net.elf"), "--mem", "16", "--net-tap",
                      std::to_string(sv[1]) + ",mac=52:54:00:12:34:56,mtu=1400"});
    ::close(sv[1]);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("mac=0x525400123456\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("mtu=0x578\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("rx_payload=hello from the host\n"), std::string::npos) << r.out;
    char buf[128];
    EXPECT_EQ(::recv(sv[0], buf, sizeof buf, MSG_DONTWAIT), 64) << "the guest's frame";
    ::close(sv[0]);
}

TEST(VmmCli, BadNetTapIsAnError) {
    STRATA_REQUIRE_KVM();
    auto r = run_cmd({strata_bin(), "vmm", "run", "--kernel", guest("net.elf"), "--net-tap", "987"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("strata: vmm: nic 0: dup fd 987: EBADF"), std::string::npos) << r.err;
    r = run_cmd({strata_bin(), "vmm", "run", "--kernel", guest("net.elf"), "--net-tap", "0,mac=52:54:00:12:34"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("--net-tap \"0,mac=52:54:00:12:34\": MAC address \"52:54:00:12:34\""), std::string::npos)
        << r.err;
    r = run_cmd({strata_bin(), "vmm", "run", "--kernel", guest("net.elf"), "--net-tap", "0,speed=10"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("unknown option \"speed=10\""), std::string::npos) << r.err;
    r = run_cmd({strata_bin(), "vmm", "run", "--kernel", guest("net.elf"), "--net-tap", "0,mtu=9x"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("mtu \"9x\" is not a number"), std::string::npos) << r.err;
}

TEST(VmmCli, ShareFlagExportsADirectory) {
    STRATA_REQUIRE_KVM();
    char t[] = "/tmp/vmm-cli-share.XXXXXX";
    ASSERT_NE(::mkdtemp(t), nullptr);
    const std::string dir = t;
    std::ofstream(dir + "/hello") << "hello from the host";
    auto r = run_cmd({strata_bin(), "vmm", "run", "--kernel", guest("p9.elf"), "--mem", "16", "--share", dir + ",tag=strata"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(value(r.out, "read_data"), "hello from the host") << r.out;
    std::ifstream created(dir + "/from-guest");
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(created), {}), "guest-data");
    auto bad = run_cmd({strata_bin(), "vmm", "run", "--kernel", guest("p9.elf"), "--mem", "16", "--share", "/nonexistent/dir"});
    EXPECT_EQ(bad.status, 1);
    EXPECT_NE(bad.err.find("9p export \"/nonexistent/dir\""), std::string::npos) << bad.err;
    std::filesystem::remove_all(dir);
}

TEST(VmmCli, BadKernelIsAnError) {
    STRATA_REQUIRE_KVM();
    auto r = run_cmd({strata_bin(), "vmm", "run", "--kernel", "/nonexistent/kernel"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("/nonexistent/kernel"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace strata::vmm::test
