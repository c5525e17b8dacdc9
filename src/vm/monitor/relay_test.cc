#include "vm/monitor/relay.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <thread>

#include "base/unique_fd.h"
#include "sys/clock.h"
#include "sys/socket.h"
#include "vm/protocol/frame_io.h"

namespace strata::vm {
namespace {

// A VM that never stops: the relay's end here comes from the agent channel alone.
class RunningVm : public Vm {
public:
    RunningVm() : m_stopped(::eventfd(0, EFD_CLOEXEC)) {}
    int stopped_fd() const override { return m_stopped.get(); }
    Result<std::string> reap() override { return std::string("running"); }
    void kill() override {}
    pid_t vmm_pid() const override { return ::getpid(); }

private:
    UniqueFd m_stopped;
};

// fd 1 to /dev/null while the relay writes the workload's output there.
class QuietStdout {
public:
    QuietStdout() : m_saved(::dup(1)) {
        UniqueFd null(::open("/dev/null", O_WRONLY | O_CLOEXEC));
        ::dup2(null.get(), 1);
    }
    ~QuietStdout() { ::dup2(m_saved.get(), 1); }

private:
    UniqueFd m_saved;
};

}  // namespace

// An agent that sends output and then stops reading its channel: the host's acks fill the
// socket buffer, and the relay ends with ETIMEDOUT within its bound instead of hanging
// (issue 16, item 13).
TEST(HostRelay, AnAgentThatStopsReadingEndsTheRelayWithinItsBound) {
    auto pair = sys::socketpair_stream();
    ASSERT_TRUE(pair) << pair.error().message();
    sigset_t none;
    sigemptyset(&none);
    UniqueFd sigfd(::signalfd(-1, &none, SFD_CLOEXEC));
    ASSERT_TRUE(sigfd);
    int agent = pair->b.get();
    std::thread guest([agent] {
        // Output frames until the host's end is gone; never reads the acks.
        while (agent::write_frame(agent, agent::Msg::stdout_data, "x", 10'000)) {}
    });
    RunningVm vm;
    agent::FrameParser parser;
    Result<agent::ExitStatus> r;
    int64_t start = sys::monotonic_ms();
    {
        QuietStdout quiet;
        RelayOptions opts;
        opts.write_timeout_ms = 300;
        r = relay_workload(pair->a.get(), parser, vm, sigfd.get(), opts);
    }
    int64_t took = sys::monotonic_ms() - start;
    pair->a.reset();
    guest.join();
    ASSERT_FALSE(r) << "the relay returned an exit status from an agent that sent none";
    EXPECT_EQ(r.error().code, ETIMEDOUT) << r.error().message();
    EXPECT_LT(took, 10'000);
}

}  // namespace strata::vm
