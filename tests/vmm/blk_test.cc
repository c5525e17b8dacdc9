// virtio-blk through a real virtqueue: the blk guest negotiates features, reads and writes
// sectors (direct and indirect descriptor chains), flushes, and counts interrupts.

#include <gtest/gtest.h>

#include "tests/support/require.h"
#include "tests/vmm/guest_run.h"

namespace strata::vmm::test {
namespace {

std::string disk_image() {
    std::string img(64 * 512, '\0');
    const std::string s0 = "strata disk sector zero";
    img.replace(0, s0.size(), s0);
    img.replace(512, 16, "old sector one..");
    return img;
}

TEST(VmmBlock, ReadWriteFlushThroughTheVirtqueue) {
    STRATA_REQUIRE_KVM();
    TempFile disk(disk_image());
    MachineConfig c;
    c.kernel = guest("blk.elf");
    c.mem_mib = 16;
    c.disks.push_back({disk.path(), false});
    auto r = run_guest(c);
    ASSERT_TRUE(r.exit) << r.exit.error().message() << "\n" << r.serial;
    EXPECT_EQ(*r.exit, ExitReason::reset);
    const std::string& s = r.serial;
    ASSERT_NE(s.find("blk: done"), std::string::npos) << s;
    EXPECT_NE(r.cmdline.find("virtio_mmio.device=4K@0xd0000000:5"), std::string::npos) << r.cmdline;
    EXPECT_EQ(value(s, "base"), "0xd0000000");
    EXPECT_EQ(value(s, "irq"), "0x5");
    // VERSION_1, EVENT_IDX, INDIRECT_DESC and FLUSH all accepted.
    EXPECT_EQ(value(s, "negotiated"), "0x130000200");
    EXPECT_EQ(value(s, "capacity"), "0x40");
    EXPECT_EQ(value(s, "ro"), "0x0");
    EXPECT_EQ(value(s, "read0_status"), "0x0");
    EXPECT_EQ(value(s, "sector0"), "strata disk sector zero");
    EXPECT_EQ(value(s, "write1_status"), "0x0");
    EXPECT_EQ(value(s, "flush_status"), "0x0");
    EXPECT_EQ(value(s, "read1_status"), "0x0");
    EXPECT_EQ(value(s, "readback"), "match");
    EXPECT_EQ(value(s, "read_past_end_status"), "0x1") << "VIRTIO_BLK_S_IOERR";
    EXPECT_EQ(value(s, "get_id_status"), "0x0");
    EXPECT_EQ(value(s, "id"), "strata-vmm-blk");
    // Used lengths: a 512-byte read writes 513 bytes (data + status), a write or flush 1.
    EXPECT_EQ(values(s, "used_len"),
              (std::vector<std::string>{"0x201", "0x1", "0x1", "0x201", "0x1", "0x15"}));
    // One interrupt per completed request (EVENT_IDX with used_event = last seen).
    EXPECT_EQ(value(s, "interrupts"), "0x6");

    const std::string after = disk.read();
    EXPECT_EQ(after.substr(512, 27), "written by the strata guest");
    EXPECT_EQ(after.substr(0, 23), "strata disk sector zero");
}

TEST(VmmBlock, ReadOnlyDiskRefusesWrites) {
    STRATA_REQUIRE_KVM();
    TempFile disk(disk_image());
    MachineConfig c;
    c.kernel = guest("blk.elf");
    c.mem_mib = 16;
    c.disks.push_back({disk.path(), true});
    auto r = run_guest(c);
    ASSERT_TRUE(r.exit) << r.exit.error().message() << "\n" << r.serial;
    const std::string& s = r.serial;
    ASSERT_NE(s.find("blk: done"), std::string::npos) << s;
    EXPECT_EQ(value(s, "ro"), "0x1");
    EXPECT_EQ(value(s, "write1_status"), "0x1");
    EXPECT_EQ(value(s, "readback"), "differs");
    EXPECT_EQ(disk.read(), disk_image()) << "a read-only disk was modified";
}

}  // namespace
}  // namespace strata::vmm::test
