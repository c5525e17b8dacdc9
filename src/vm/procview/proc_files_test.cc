#include "vm/procview/proc_files.h"

#include <gtest/gtest.h>

#include "base/strings.h"

namespace strata::vm::procview {
namespace {

agent::GuestProcess shell() {
    agent::GuestProcess p;
    p.pid = 7;
    p.ppid = 1;
    p.uids = {1000, 1001, 1002, 1003};
    p.gids = {100, 101, 102, 103};
    p.state = 'S';
    p.threads = 2;
    p.rss_kib = 1200;
    p.vsize_kib = 4000;
    p.cpu_ms = 2500;
    p.started_ms = 61230;
    p.comm = "my sh) x";  // a name with a space and a parenthesis, as readers must cope with
    p.args = {"sh", "-c", "sleep 1"};
    return p;
}

// The fields after the last ')', as proc(5) readers split them (field 3 first).
std::vector<std::string> after_comm(const std::string& stat) { return split_nonempty(stat.substr(stat.rfind(')') + 1), ' '); }

TEST(ProcFiles, StatHasTheKernelsLayout) {
    std::string s = stat_file(shell());
    ASSERT_EQ(s.back(), '\n');
    s.pop_back();
    EXPECT_TRUE(s.starts_with("7 (my sh) x) S 1 7 7 0 -1 ")) << s;
    auto f = after_comm(s);
    ASSERT_EQ(f.size() + 2, 52u) << s;  // pid and comm, then fields 3..52
    auto field = [&](int n) { return f[static_cast<size_t>(n - 3)]; };
    EXPECT_EQ(field(3), "S");
    EXPECT_EQ(field(4), "1");
    EXPECT_EQ(field(14), "250");   // 2.5 s of CPU in 100 Hz ticks
    EXPECT_EQ(field(15), "0");
    EXPECT_EQ(field(20), "2");     // threads
    EXPECT_EQ(field(22), "6123");  // started 61.23 s after boot
    EXPECT_EQ(field(23), std::to_string(4000 * 1024));
    EXPECT_EQ(field(24), "300");   // RSS in 4 KiB pages
    EXPECT_EQ(field(38), "17");
}

TEST(ProcFiles, StatusHasFourUidsAndGidsAndTheWorkloadsPid) {
    std::string s = status_file(shell());
    EXPECT_NE(s.find("Name:\tmy sh) x\n"), std::string::npos) << s;
    EXPECT_NE(s.find("State:\tS (sleeping)\n"), std::string::npos) << s;
    EXPECT_NE(s.find("PPid:\t1\n"), std::string::npos) << s;
    EXPECT_NE(s.find("Uid:\t1000\t1001\t1002\t1003\n"), std::string::npos) << s;
    EXPECT_NE(s.find("Gid:\t100\t101\t102\t103\n"), std::string::npos) << s;
    EXPECT_NE(s.find("NSpid:\t7\n"), std::string::npos) << s;
    EXPECT_NE(s.find("VmRSS:\t1200 kB\n"), std::string::npos) << s;
    EXPECT_NE(s.find("Threads:\t2\n"), std::string::npos) << s;
    for (const auto& line : split_nonempty(s, '\n')) EXPECT_NE(line.find(":\t"), std::string::npos) << line;
    auto p = shell();
    p.comm = "two\nlines";
    EXPECT_NE(status_file(p).find("Name:\ttwo?lines\n"), std::string::npos);
}

TEST(ProcFiles, CmdlineEndsEachArgumentWithANul) {
    EXPECT_EQ(cmdline_file(shell()), std::string("sh\0-c\0sleep 1\0", 14));
    auto zombie = shell();
    zombie.args.clear();
    EXPECT_EQ(cmdline_file(zombie), "");
}

TEST(ProcFiles, BtimeIsTheGuestsBootOnTheHostsClock) {
    agent::GuestProcesses ps;
    ps.uptime_ms = 3600 * 1000 + 999;
    EXPECT_EQ(stat_summary_file(ps, 1'800'000'000), "btime " + std::to_string(1'800'000'000 - 3600) + "\n");
}

}  // namespace
}  // namespace strata::vm::procview
