#include "vm/protocol/frame_io.h"

#include <gtest/gtest.h>

#include "sys/clock.h"
#include "sys/socket.h"

namespace strata::vm::agent {

// A peer that stops reading: the host's bounded write fills the socket buffer, then gives up
// within its deadline instead of waiting forever (issue 16, item 13).
TEST(FrameIo, BoundedWriteToAPeerThatStopsReadingTimesOut) {
    auto pair = sys::socketpair_stream();
    ASSERT_TRUE(pair) << pair.error().message();
    std::string payload(kMaxData, 'x');
    int64_t start = sys::monotonic_ms();
    Result<> r;
    for (int i = 0; i < 10000 && r; ++i) r = write_frame(pair->a.get(), Msg::stdin_data, payload, 300);
    int64_t took = sys::monotonic_ms() - start;
    ASSERT_FALSE(r) << "the socket buffer never filled";
    EXPECT_EQ(r.error().code, ETIMEDOUT);
    EXPECT_NE(r.error().message().find("has not read its channel for 300 ms"), std::string::npos) << r.error().message();
    EXPECT_GE(took, 300);
    EXPECT_LT(took, 5000);
}

TEST(FrameIo, BoundedWriteDeliversWholeFramesToAReader) {
    auto pair = sys::socketpair_stream();
    ASSERT_TRUE(pair) << pair.error().message();
    ASSERT_TRUE(write_frame(pair->a.get(), Msg::stdin_data, "hello", 300));
    ASSERT_TRUE(write_frame(pair->a.get(), Msg::stdin_eof, {}, 300));
    FrameParser parser;
    auto f = read_frame(pair->b.get(), parser, 1000);
    ASSERT_TRUE(f) << f.error().message();
    EXPECT_EQ(f->type, Msg::stdin_data);
    EXPECT_EQ(f->payload, "hello");
    auto eof = read_frame(pair->b.get(), parser, 1000);
    ASSERT_TRUE(eof) << eof.error().message();
    EXPECT_EQ(eof->type, Msg::stdin_eof);
}

TEST(FrameIo, BoundedWriteToAClosedPeerIsEpipeNotSigpipe) {
    auto pair = sys::socketpair_stream();
    ASSERT_TRUE(pair) << pair.error().message();
    pair->b.reset();
    auto r = write_frame(pair->a.get(), Msg::sync, {}, 300);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, EPIPE);
}

}  // namespace strata::vm::agent
