#include "vm/monitor/output_sink.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "base/unique_fd.h"

namespace strata::vm {
namespace {

bool writable(int fd) {
    pollfd p{fd, POLLOUT, 0};
    return ::poll(&p, 1, 0) == 1;
}

}  // namespace

// A reader that stops: the sink writes only what the pipe takes and never blocks (the pipe stays
// blocking, as the caller gave it), and acknowledges a frame only once all of it is written.
TEST(OutputSink, AFullPipeNeverBlocksAndAcksFollowTheReader) {
    int p[2];
    ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
    UniqueFd r(p[0]), w(p[1]);
    OutputSink sink(w.get());
    std::string frame(256 * 1024, 'x');  // four times the pipe's 64 KiB
    sink.push(frame, 7);
    while (sink.pending() && writable(w.get())) sink.on_writable();
    EXPECT_TRUE(sink.pending());
    EXPECT_EQ(sink.take_acks(), 0u) << "acknowledged before the reader read it";
    std::string got;
    char buf[65536];
    while (sink.pending()) {
        ssize_t n = ::read(r.get(), buf, sizeof buf);
        ASSERT_GT(n, 0);
        got.append(buf, static_cast<size_t>(n));
        while (sink.pending() && writable(w.get())) sink.on_writable();
    }
    while (got.size() < frame.size()) {
        ssize_t n = ::read(r.get(), buf, sizeof buf);
        ASSERT_GT(n, 0);
        got.append(buf, static_cast<size_t>(n));
    }
    EXPECT_EQ(got, frame);
    EXPECT_EQ(sink.take_acks(), 7u);
}

TEST(OutputSink, AGoneReaderDropsAndAcknowledgesEverything) {
    ::signal(SIGPIPE, SIG_IGN);
    int p[2];
    ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
    UniqueFd r(p[0]), w(p[1]);
    OutputSink sink(w.get());
    sink.push("one", 3);
    sink.push("two", 4);
    r.reset();
    sink.on_writable();
    EXPECT_TRUE(sink.reader_gone());
    EXPECT_FALSE(sink.pending());
    EXPECT_EQ(sink.take_acks(), 7u);
    sink.push("three", 5);  // after the reader went: acknowledged at once
    EXPECT_EQ(sink.take_acks(), 5u);
}

}  // namespace strata::vm
