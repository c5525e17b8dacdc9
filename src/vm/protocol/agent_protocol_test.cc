#include "vm/protocol/agent_protocol.h"

#include <gtest/gtest.h>

namespace strata::vm::agent {

TEST(AgentProtocol, StartConfigRoundTrip) {
    StartConfig c;
    c.rootfs = RootfsKind::initramfs;
    c.rootfs_source = "/rootfs";
    c.spec = std::string("\0\1binary", 8);
    c.writable_mib = 64;
    c.start_at_once = true;
    c.output_window = 1234567;
    c.entropy = std::string(kEntropyBytes, '\x5a');
    c.realtime_ns = 1795000000123456789ull;
    auto d = decode_start_config(encode(c));
    ASSERT_TRUE(d) << d.error().message();
    EXPECT_EQ(d->entropy, c.entropy);
    EXPECT_EQ(d->realtime_ns, c.realtime_ns);
    EXPECT_EQ(d->rootfs, RootfsKind::initramfs);
    EXPECT_EQ(d->rootfs_source, "/rootfs");
    EXPECT_EQ(d->spec, c.spec);
    EXPECT_EQ(d->writable_mib, 64u);
    EXPECT_TRUE(d->start_at_once);
    EXPECT_FALSE(d->trace);
    EXPECT_EQ(d->output_window, 1234567u);
}

TEST(AgentProtocol, NicConfigRoundTrip) {
    StartConfig c;
    c.output_window = static_cast<uint32_t>(2 * output_cost(kMaxData));
    NicConfig n;
    n.device_mac = std::string("\x02\0\0\0\0\x01", 6);
    n.mac = std::string("\x0a\x58\x0a\x58\0\x05", 6);
    n.name = "eth0";
    n.mtu = 1500;
    n.addresses.push_back({2, 16, std::string("\x0a\x58\0\x05", 4)});
    n.routes.push_back({2, 0, 0, "", std::string("\x0a\x58\0\x01", 4), 100});
    c.nics.push_back(n);
    auto d = decode_start_config(encode(c));
    ASSERT_TRUE(d) << d.error().message();
    ASSERT_EQ(d->nics.size(), 1u);
    EXPECT_EQ(d->nics[0].mac, n.mac);
    EXPECT_EQ(d->nics[0].device_mac, n.device_mac);
    EXPECT_EQ(d->nics[0].name, "eth0");
    EXPECT_EQ(d->nics[0].mtu, 1500u);
    ASSERT_EQ(d->nics[0].addresses.size(), 1u);
    EXPECT_EQ(d->nics[0].addresses[0].prefix, 16);
    EXPECT_EQ(d->nics[0].addresses[0].bytes, n.addresses[0].bytes);
    ASSERT_EQ(d->nics[0].routes.size(), 1u);
    EXPECT_EQ(d->nics[0].routes[0].gateway, n.routes[0].gateway);
    EXPECT_EQ(d->nics[0].routes[0].priority, 100u);
    c.nics[0].mac = "short";
    EXPECT_FALSE(decode_start_config(encode(c)));
}

TEST(AgentProtocol, ImpossibleExitStatusIsAnError) {
    // 128 + INT32_MAX overflowed, and "killed by signal 0" came out as status 128.
    for (ExitStatus bad : {ExitStatus{true, 0}, ExitStatus{true, 65}, ExitStatus{true, INT32_MAX}, ExitStatus{true, -1},
                           ExitStatus{false, 256}, ExitStatus{false, -1}}) {
        auto e = decode_exit(encode(bad));
        ASSERT_FALSE(e) << bad.signaled << " " << bad.value;
        EXPECT_NE(e.error().message().find("impossible exit status"), std::string::npos) << e.error().message();
    }
    EXPECT_EQ(decode_exit(encode(ExitStatus{true, 64}))->shell_status(), 192);
    EXPECT_EQ(decode_exit(encode(ExitStatus{false, 255}))->shell_status(), 255);
}

TEST(AgentProtocol, OutputWindowBelowOneFrameIsAnError) {
    StartConfig c;
    c.output_window = static_cast<uint32_t>(output_cost(kMaxData)) - 1;
    auto d = decode_start_config(encode(c));
    ASSERT_FALSE(d);
    EXPECT_NE(d.error().message().find("output window"), std::string::npos) << d.error().message();
}

TEST(AgentProtocol, AnotherAgentVersionIsAClearError) {
    EXPECT_TRUE(check_version(Hello{0, kVersion}));
    auto r = check_version(Hello{0, "2"});
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("protocol \"2\""), std::string::npos) << r.error().message();
}

TEST(AgentProtocol, ExitStatusShellConvention) {
    auto e = decode_exit(encode(ExitStatus{true, 9}));
    ASSERT_TRUE(e);
    EXPECT_TRUE(e->signaled);
    EXPECT_EQ(e->shell_status(), 137);
    EXPECT_EQ(decode_exit(encode(ExitStatus{false, 3}))->shell_status(), 3);
}

TEST(AgentProtocol, TruncatedPayloadIsAnError) {
    std::string p = encode(StartConfig{});
    EXPECT_FALSE(decode_start_config(p.substr(0, p.size() - 1)));
    EXPECT_FALSE(decode_hello("abc"));
}

TEST(AgentProtocol, ParserReassemblesSplitFrames) {
    std::string stream = header(Msg::stdout_data, 5) + "hello" + header(Msg::exit, 5) + encode(ExitStatus{false, 3});
    FrameParser p;
    std::vector<Frame> got;
    for (char ch : stream) {  // one byte at a time: the worst case of a byte stream
        p.feed(std::string_view(&ch, 1));
        while (auto f = p.next()) {
            ASSERT_TRUE(f);
            if (!*f) break;
            got.push_back(**f);
        }
    }
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].type, Msg::stdout_data);
    EXPECT_EQ(got[0].payload, "hello");
    EXPECT_EQ(got[1].type, Msg::exit);
    EXPECT_EQ(p.buffered(), 0u);
}

TEST(AgentProtocol, OversizedFrameIsRejected) {
    FrameParser p;
    p.feed(header(Msg::config, kMaxPayload + 1));
    EXPECT_FALSE(p.next());
}

TEST(AgentProtocol, ErrorCarriesErrno) {
    Error e = decode_error(encode_error(Error{ENOENT, "exec \"nope\""}));
    EXPECT_EQ(e.code, ENOENT);
    EXPECT_EQ(e.context, "exec \"nope\"");
}

}  // namespace strata::vm::agent
