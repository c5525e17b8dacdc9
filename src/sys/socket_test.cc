#include "sys/socket.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>
#include <thread>

namespace strata::sys {

// A non-blocking stream socket takes what fits in its buffer; send_msg sends the rest too, and
// the descriptors travel with the first part.
TEST(SendMsg, AStreamSocketGetsTheWholeMessage) {
    int sp[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
    UniqueFd a(sp[0]), b(sp[1]);
    int small = 4096;
    ::setsockopt(a.get(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    ::fcntl(a.get(), F_SETFL, O_NONBLOCK);
    std::string big(1 << 20, 'q');
    big.back() = '!';
    std::string got;
    int passed = -1;
    std::thread reader([&] {
        while (got.size() < big.size()) {
            auto m = recv_msg(b.get(), 65536);
            if (!m || m->eof) break;
            if (!m->fds.empty()) passed = m->fds[0].release();
            got += m->data;
        }
    });
    int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    int fds[] = {devnull};
    auto r = send_msg(a.get(), big, fds);
    ::shutdown(a.get(), SHUT_WR);  // the reader stops at what was sent
    reader.join();
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(got.size(), big.size());
    EXPECT_EQ(got, big);
    EXPECT_GE(passed, 0);
    ::close(devnull);
    if (passed >= 0) ::close(passed);
}

}  // namespace strata::sys
