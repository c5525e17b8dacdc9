// virtio-9p end to end: the p9 guest speaks 9P2000.L to the VMM's device through a real
// virtqueue under /dev/kvm, on a host directory of the test's: it reads a host file (with the
// reply split over two buffers, as Linux's zero-copy reads do) and creates one.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/support/require.h"
#include "tests/vmm/guest_run.h"

namespace strata::vmm::test {
namespace {

namespace fs = std::filesystem;

TEST(VmmNineP, AGuestReadsAndCreatesHostFilesThroughTheShare) {
    STRATA_REQUIRE_KVM();
    char t[] = "/tmp/vmm-p9-test.XXXXXX";
    ASSERT_NE(::mkdtemp(t), nullptr);
    const fs::path dir = t;
    std::ofstream(dir / "hello") << "hello from the host";

    MachineConfig c;
    c.kernel = guest("p9.elf");
    c.mem_mib = 16;
    c.shares.push_back({dir, "strata"});
    auto r = run_guest(c);
    ASSERT_TRUE(r.exit) << r.exit.error().message() << "\n" << r.serial;
    EXPECT_EQ(*r.exit, ExitReason::reset);
    const std::string& s = r.serial;
    ASSERT_NE(s.find("p9: done"), std::string::npos) << s;
    EXPECT_EQ(value(s, "tag"), "strata");
    EXPECT_EQ(value(s, "rversion"), "0x65");
    EXPECT_EQ(value(s, "rattach"), "0x69");
    EXPECT_EQ(value(s, "rwalk"), "0x6f");
    EXPECT_EQ(value(s, "rlopen"), "0xd");
    EXPECT_EQ(value(s, "rread"), "0x75");
    EXPECT_EQ(value(s, "read_count"), "0x13");
    EXPECT_EQ(value(s, "read_data"), "hello from the host");
    EXPECT_EQ(value(s, "rlcreate"), "0xf");
    EXPECT_EQ(value(s, "write_count"), "0xa");
    EXPECT_EQ(value(s, "rwalk_slash"), "0x7");  // Rlerror
    EXPECT_EQ(value(s, "errno"), "0x16");       // EINVAL
    std::ifstream created(dir / "from-guest");
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(created), {}), "guest-data");
    EXPECT_EQ(fs::status(dir / "from-guest").permissions(), fs::perms(0640));
    EXPECT_NE(r.cmdline.find("virtio_mmio.device=4K@0xd0000000:5"), std::string::npos) << r.cmdline;
    fs::remove_all(dir);
}

}  // namespace
}  // namespace strata::vmm::test
