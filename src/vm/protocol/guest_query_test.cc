#include "vm/protocol/guest_query.h"

#include <gtest/gtest.h>

namespace strata::vm::agent {

TEST(GuestQuery, ProcessesRoundTrip) {
    std::vector<GuestProcess> ps = {{1, 0, 0, 0, 'S', 1200, 30, 2100, "sleep", {"sleep", "1000"}},
                                    {7, 1, 65534, 65534, 'Z', 0, 0, 2500, "sh", {}}};
    auto d = decode_processes(encode_processes(ps));
    ASSERT_TRUE(d) << d.error().message();
    ASSERT_EQ(d->size(), 2u);
    EXPECT_EQ((*d)[0].args, (std::vector<std::string>{"sleep", "1000"}));
    EXPECT_EQ((*d)[0].rss_kib, 1200u);
    EXPECT_EQ((*d)[1].state, 'Z');
    EXPECT_EQ((*d)[1].uid, 65534u);
    EXPECT_EQ((*d)[1].ppid, 1u);
    EXPECT_TRUE((*d)[1].args.empty());
    std::string e = encode_processes(ps);
    for (size_t n = 0; n < e.size(); ++n) EXPECT_FALSE(decode_processes(e.substr(0, n))) << n;
}

TEST(GuestQuery, CgroupFilesRoundTrip) {
    CgroupFiles f = {{"memory.current", "4096\n"}, {"cpu.stat", "usage_usec 10\nuser_usec 7\n"}};
    auto d = decode_files(encode_files(f));
    ASSERT_TRUE(d) << d.error().message();
    EXPECT_EQ(*d, f);
}

}  // namespace strata::vm::agent
