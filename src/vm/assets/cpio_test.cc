#include "vm/assets/cpio.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

namespace strata::vm {
namespace {

// The fields of the entry at `off` (newc: 6-byte magic, 13 fields of 8 hex digits).
unsigned field(const std::string& a, size_t off, int i) { return std::stoul(a.substr(off + 6 + 8 * i, 8), nullptr, 16); }

}  // namespace

TEST(Cpio, NewcLayoutAndTrailer) {
    CpioWriter w;
    w.add_dir("dev");
    w.add_file("init", "hello", 0755);
    std::string a = w.finish();
    ASSERT_EQ(a.substr(0, 6), "070701");
    EXPECT_EQ(field(a, 0, 1), unsigned(S_IFDIR | 0755));
    EXPECT_EQ(field(a, 0, 11), 4u);  // "dev" + NUL
    // Header 110 + "dev\0" = 114, padded to 116.
    size_t second = 116;
    ASSERT_EQ(a.substr(second, 6), "070701");
    EXPECT_EQ(field(a, second, 1), unsigned(S_IFREG | 0755));
    EXPECT_EQ(field(a, second, 6), 5u);
    EXPECT_EQ(a.substr(second + 110, 4), "init");
    EXPECT_EQ(a.substr(second + 116, 5), "hello");
    EXPECT_NE(a.find("TRAILER!!!"), std::string::npos);
    EXPECT_EQ(a.size() % 512, 0u);
}

TEST(Cpio, InodesAreDistinct) {
    CpioWriter w;
    w.add_file("a", "1");
    w.add_file("b", "2");
    std::string a = w.finish();
    size_t second = a.find("070701", 6);
    EXPECT_NE(field(a, 0, 0), field(a, second, 0));
}

}  // namespace strata::vm
