// Unit tests of guest RAM layout and bounds-checked access.

#include "vmm/memory/guest_memory.h"

#include <gtest/gtest.h>

namespace strata::vmm {
namespace {

using layout::GiB;
using layout::MiB;

TEST(Layout, RamSplitsAroundTheMmioHole) {
    auto small = layout::ram_regions(256 * MiB);
    ASSERT_EQ(small.size(), 1u);
    EXPECT_EQ(small[0].size, 256 * MiB);
    auto big = layout::ram_regions(6 * GiB);
    ASSERT_EQ(big.size(), 2u);
    EXPECT_EQ(big[0].size, 3 * GiB);
    EXPECT_EQ(big[1].gpa, 4 * GiB);
    EXPECT_EQ(big[1].size, 3 * GiB);
    static_assert(layout::virtio_mmio_base >= layout::mmio_hole && layout::ioapic >= layout::mmio_hole &&
                  layout::tss >= layout::mmio_hole);
}

TEST(GuestMemory, BoundsChecks) {
    std::vector<uint8_t> buf(0x1000);
    auto m = GuestMemory::wrap(buf, 0x10000);
    EXPECT_EQ(m.host(0x10000, 0x1000), buf.data());
    EXPECT_EQ(m.host(0x10fff, 1), buf.data() + 0xfff);
    EXPECT_EQ(m.host(0x10fff, 2), nullptr);
    EXPECT_EQ(m.host(0xffff, 1), nullptr);
    EXPECT_EQ(m.host(0x10001, UINT64_MAX), nullptr) << "no overflow";
    EXPECT_EQ(m.host(UINT64_MAX, 2), nullptr);
    EXPECT_TRUE(m.write_obj<uint32_t>(0x10010, 0xdeadbeef));
    EXPECT_EQ(*m.read_obj<uint32_t>(0x10010), 0xdeadbeefu);
    auto bad = m.slice(0x20000, 4);
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message().find("0x20000"), std::string::npos);
}

TEST(GuestMemory, CreatesLazilyBackedRam) {
    auto m = GuestMemory::create(64 * MiB);
    ASSERT_TRUE(m) << m.error().message();
    EXPECT_EQ(m->ram_size(), 64 * MiB);
    EXPECT_EQ(m->low_ram_end(), 64 * MiB);
    EXPECT_NE(m->host(64 * MiB - 1, 1), nullptr);
    EXPECT_EQ(m->host(64 * MiB, 1), nullptr);
}

}  // namespace
}  // namespace strata::vmm
