#include "vm/monitor/relay.h"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>

#include "base/log.h"
#include "base/strings.h"
#include "sys/clock.h"
#include "sys/file.h"
#include "sys/signals.h"
#include "vm/backend/agent_channel.h"
#include "vm/protocol/frame_io.h"

namespace strata::vm {
namespace {

using agent::Msg;

class HostRelay {
public:
    HostRelay(int agent_fd, agent::FrameParser& parser, Vm& vm, int sigfd, int write_timeout_ms)
        : m_agent(agent_fd), m_parser(parser), m_vm(vm), m_sigfd(sigfd), m_write_timeout_ms(write_timeout_ms) {}
    Result<agent::ExitStatus> run();

private:
    Result<> on_frame(const agent::Frame& f);
    Result<> read_stdin();
    Result<> write_out(int fd, int stream, std::string_view data);
    Result<> send(Msg type, std::string_view payload = {}) { return send_to_agent(m_agent, type, payload, m_write_timeout_ms); }

    int m_agent;
    agent::FrameParser& m_parser;
    Vm& m_vm;
    int m_sigfd;
    int m_write_timeout_ms;
    bool m_stdin_open = true;
    size_t m_in_flight = 0;
    bool m_out_open[3] = {false, true, true};
    std::optional<agent::ExitStatus> m_exit;
};

Result<> HostRelay::write_out(int fd, int stream, std::string_view data) {
    if (!m_out_open[stream] || sys::write_all(fd, data, stream == 1 ? "stdout" : "stderr")) return {};
    // The reader of the container's stdout/stderr is gone: the workload gets EPIPE.
    m_out_open[stream] = false;
    return send(Msg::output_closed, agent::Writer().u8(static_cast<uint8_t>(stream)).take());
}

Result<> HostRelay::on_frame(const agent::Frame& f) {
    if (log_agent_frame(f)) return {};
    switch (f.type) {
        case Msg::stdout_data:
        case Msg::stderr_data: {
            int stream = f.type == Msg::stdout_data ? 1 : 2;
            STRATA_TRY(write_out(stream, stream, f.payload));
            // Written (or dropped for a reader that is gone): the agent may send as much again.
            return send(Msg::output_ack,
                                      agent::Writer().u32(static_cast<uint32_t>(agent::output_cost(f.payload.size()))).take());
        }
        case Msg::stdin_ack: {
            uint32_t n = STRATA_TRY(agent::Reader(f.payload).u32());
            m_in_flight -= std::min<size_t>(n, m_in_flight);
            return {};
        }
        case Msg::exit: m_exit = STRATA_TRY(agent::decode_exit(f.payload)); return {};
        case Msg::error: return std::unexpected(agent::decode_error(f.payload));
        default: return error("vm: unexpected " + std::string(agent::msg_name(f.type)) + " from the agent");
    }
}

Result<> HostRelay::read_stdin() {
    char buf[agent::kMaxData];
    size_t room = std::min(sizeof buf, agent::kStdinWindow - m_in_flight);
    ssize_t n = ::read(0, buf, room);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return {};
    if (n <= 0) {
        // EOF, or a stdin that cannot be read (closed, a directory...): the workload sees EOF.
        m_stdin_open = false;
        return send(Msg::stdin_eof);
    }
    m_in_flight += static_cast<size_t>(n);
    return send(Msg::stdin_data, std::string_view(buf, static_cast<size_t>(n)));
}

Result<agent::ExitStatus> HostRelay::run() {
    // Frames that arrived together with `started` are already in the parser.
    while (auto f = STRATA_TRY(m_parser.next())) STRATA_TRY(on_frame(*f));
    for (;;) {
        if (m_exit) return *m_exit;
        pollfd fds[4] = {{m_agent, POLLIN, 0}, {m_sigfd, POLLIN, 0}, {m_vm.stopped_fd(), POLLIN, 0}, {0, POLLIN, 0}};
        nfds_t n = m_stdin_open && m_in_flight < agent::kStdinWindow ? 4 : 3;
        if (::poll(fds, n, -1) < 0) {
            if (errno == EINTR) continue;
            return os_error(errno, "vm: poll");
        }
        if (fds[0].revents) {
            if (!STRATA_TRY(agent::read_into(m_agent, m_parser))) return error("vm: the agent channel closed before the workload's exit status");
            while (auto f = STRATA_TRY(m_parser.next())) STRATA_TRY(on_frame(*f));
            continue;  // frames first: an exit status outranks a VM that stopped just after it
        }
        if (fds[1].revents) {
            signalfd_siginfo si{};
            if (::read(m_sigfd, &si, sizeof si) == sizeof si && si.ssi_signo != SIGCHLD)
                STRATA_TRY(send(Msg::signal, agent::Writer().i32(static_cast<int32_t>(si.ssi_signo)).take()));
        }
        if (fds[2].revents) {
            std::string how = m_vm.reap().value_or("QEMU stopped");
            return error("vm: the VM stopped before the workload exited (" + how + ")");
        }
        if (n == 4 && fds[3].revents) STRATA_TRY(read_stdin());
    }
}

}  // namespace

Result<agent::ExitStatus> relay_workload(int agent_fd, agent::FrameParser& parser, Vm& vm, int sigfd, int write_timeout_ms) {
    return HostRelay(agent_fd, parser, vm, sigfd, write_timeout_ms).run();
}

}  // namespace strata::vm
