// `strata vmm run`: the developer command boots a guest with COM1 on stdout and turns the exit
// reason into its status.

#include <gtest/gtest.h>

#include "tests/support/cli.h"
#include "tests/support/require.h"
#include "tests/vmm/guest_run.h"

namespace strata::vmm::test {
namespace {

using strata::test::run_cmd;
using strata::test::strata_bin;

TEST(VmmCli, RunPrintsTheSerialConsoleAndExitsZeroOnReset) {
    STRATA_REQUIRE(strata::test::have_kvm(), "needs /dev/kvm (read-write)");
    auto r = run_cmd({strata_bin(), "vmm", "run", "--kernel", guest("reset.elf"), "--mem", "8"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("reset: pulsing the i8042 reset line"), std::string::npos) << r.out;
}

TEST(VmmCli, StatusFollowsTheExitReason) {
    STRATA_REQUIRE(strata::test::have_kvm(), "needs /dev/kvm (read-write)");
    auto r = run_cmd({strata_bin(), "vmm", "run", "--kernel", guest("triple_fault.elf"), "--mem", "8"});
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_NE(r.err.find("triple fault"), std::string::npos) << r.err;
    r = run_cmd({strata_bin(), "vmm", "run", "--kernel", guest("hang.elf"), "--mem", "8", "--timeout", "0.3"});
    EXPECT_EQ(r.status, 124) << r.err;
}

TEST(VmmCli, DiskAndCmdlineFlags) {
    STRATA_REQUIRE(strata::test::have_kvm(), "needs /dev/kvm (read-write)");
    TempFile disk(std::string(8 * 512, 'd'));
    auto r = run_cmd({strata_bin(), "vmm", "run", "--kernel", guest("blk.elf"), "--mem", "16", "--disk",
                      disk.path() + ":rw", "--cmdline", "strata.flag=1"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("readback=match"), std::string::npos) << r.out;
    EXPECT_EQ(disk.read().substr(512, 27), "written by the strata guest");
}

TEST(VmmCli, BadKernelIsAnError) {
    STRATA_REQUIRE(strata::test::have_kvm(), "needs /dev/kvm (read-write)");
    auto r = run_cmd({strata_bin(), "vmm", "run", "--kernel", "/nonexistent/kernel"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("/nonexistent/kernel"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace strata::vmm::test
