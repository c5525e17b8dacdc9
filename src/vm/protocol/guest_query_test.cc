#include "vm/protocol/guest_query.h"

#include <gtest/gtest.h>

namespace strata::vm::agent {

TEST(GuestQuery, ProcessesRoundTrip) {
    GuestProcesses ps;
    ps.uptime_ms = 123456;
    ps.pid_ns = "pid:[4026532200]";
    GuestProcess sleep;
    sleep.pid = 1;
    sleep.state = 'S';
    sleep.rss_kib = 1200;
    sleep.vsize_kib = 1500;
    sleep.cpu_ms = 30;
    sleep.started_ms = 2100;
    sleep.comm = "sleep";
    sleep.args = {"sleep", "1000"};
    GuestProcess zombie;
    zombie.pid = 7;
    zombie.ppid = 1;
    zombie.uids = {65534, 0, 0, 65534};
    zombie.gids = {65534, 65534, 65534, 1};
    zombie.state = 'Z';
    zombie.threads = 3;
    zombie.comm = "sh";
    ps.list = {sleep, zombie};
    auto d = decode_processes(encode_processes(ps));
    ASSERT_TRUE(d) << d.error().message();
    EXPECT_EQ(d->uptime_ms, 123456u);
    EXPECT_EQ(d->pid_ns, "pid:[4026532200]");
    ASSERT_EQ(d->list.size(), 2u);
    EXPECT_EQ(d->list[0].args, (std::vector<std::string>{"sleep", "1000"}));
    EXPECT_EQ(d->list[0].rss_kib, 1200u);
    EXPECT_EQ(d->list[0].vsize_kib, 1500u);
    EXPECT_EQ(d->list[1].state, 'Z');
    EXPECT_EQ(d->list[1].uids, (std::array<uint32_t, 4>{65534, 0, 0, 65534}));
    EXPECT_EQ(d->list[1].gids, (std::array<uint32_t, 4>{65534, 65534, 65534, 1}));
    EXPECT_EQ(d->list[1].threads, 3u);
    EXPECT_EQ(d->list[1].ppid, 1u);
    EXPECT_TRUE(d->list[1].args.empty());
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
