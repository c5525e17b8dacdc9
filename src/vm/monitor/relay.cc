#include "vm/monitor/relay.h"

#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "base/log.h"
#include "base/strings.h"
#include "sys/socket.h"
#include "vm/monitor/exec_socket.h"
#include "vm/monitor/output_sink.h"
#include "vm/protocol/frame_io.h"
#include "vm/protocol/spec_codec.h"
#include "vm/share/member_share.h"

namespace strata::vm {
namespace {

using agent::Msg;

// One read of an input fd (the container's stdin, an exec caller's) under the stdin window:
// `data` with what came, `eof` once it ends or cannot be read (closed, a directory...): the
// guest process then sees EOF.
Result<> forward_input(int fd, size_t& in_flight, bool& open, const std::function<Result<>(std::string_view)>& data,
                       const std::function<Result<>()>& eof) {
    char buf[agent::kMaxData];
    size_t room = std::min(sizeof buf, agent::kStdinWindow - in_flight);
    ssize_t n = ::read(fd, buf, room);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return {};
    if (n <= 0) {
        open = false;
        return eof();
    }
    in_flight += static_cast<size_t>(n);
    return data(std::string_view(buf, static_cast<size_t>(n)));
}

// One `strata exec`: its connection, the caller's stdio, and the guest process's windows.
struct HostExec {
    UniqueFd conn;
    bool requested = false, started = false, exited = false, failed = false;
    UniqueFd in;
    std::unique_ptr<OutputSink> out, err;
    UniqueFd out_fd, err_fd;
    size_t in_flight = 0;
    bool stdin_open = false;
    agent::ExitStatus status;
    MemberShare share;  // a pod VM's further container: its entries in the share, until the session ends
};

class HostRelay {
public:
    HostRelay(int agent_fd, agent::FrameParser& parser, Vm& vm, int sigfd, const RelayOptions& o)
        : m_agent(agent_fd), m_parser(parser), m_vm(vm), m_sigfd(sigfd), m_opts(o), m_out{OutputSink(1), OutputSink(2)} {}
    Result<agent::ExitStatus> run();

private:
    Result<> on_frame(const agent::Frame& f);
    Result<> on_exec_frame(const agent::Frame& f);
    Result<> read_stdin();
    Result<> send_window_size();
    Result<> flush(int stream);
    Result<> accept_exec();
    Result<> on_exec_conn(uint32_t id, HostExec& e);
    // A pod VM's further container: stages its entries and sends member_start.
    Result<std::string> stage_member(uint32_t id, HostExec& e, sys::Message& m);
    Result<> read_exec_stdin(uint32_t id, HostExec& e);
    Result<> flush_exec(uint32_t id, OutputSink& sink);
    // Ends sessions whose process exited and whose output is written, or whose caller is gone.
    void finish_exec_sessions();
    Result<> send(Msg type, std::string_view payload = {}) { return send_to_agent(m_agent, type, payload, m_opts.write_timeout_ms); }
    Result<> send_session(Msg type, uint32_t id, std::string_view data = {}) {
        return send(type, agent::Writer().u32(id).take() + std::string(data));
    }

    int m_agent;
    agent::FrameParser& m_parser;
    Vm& m_vm;
    int m_sigfd;
    RelayOptions m_opts;
    bool m_stdin_open = true;
    size_t m_in_flight = 0;
    OutputSink m_out[2];  // the container's stdout, stderr
    bool m_out_closed_sent[2] = {false, false};
    std::optional<agent::ExitStatus> m_exit;
    uint32_t m_next_session = 1;
    std::map<uint32_t, HostExec> m_exec;
};

Result<> HostRelay::flush(int stream) {
    OutputSink& s = m_out[stream - 1];
    s.on_writable();
    if (size_t units = s.take_acks())
        // Written (or dropped for a reader that is gone): the agent may send as much again.
        STRATA_TRY(send(Msg::output_ack, agent::Writer().u32(static_cast<uint32_t>(units)).take()));
    if (s.reader_gone() && !m_out_closed_sent[stream - 1]) {
        // The reader of the container's stdout/stderr is gone: the workload gets EPIPE.
        m_out_closed_sent[stream - 1] = true;
        STRATA_TRY(send(Msg::output_closed, agent::Writer().u8(static_cast<uint8_t>(stream)).take()));
    }
    return {};
}

Result<> HostRelay::on_frame(const agent::Frame& f) {
    if (log_agent_frame(f)) return {};
    switch (f.type) {
        case Msg::stdout_data:
        case Msg::stderr_data: {
            int stream = f.type == Msg::stdout_data ? 1 : 2;
            OutputSink& s = m_out[stream - 1];
            s.push(f.payload, agent::output_cost(f.payload.size()));
            if (size_t units = s.take_acks()) return send(Msg::output_ack, agent::Writer().u32(static_cast<uint32_t>(units)).take());
            return {};
        }
        case Msg::stdin_ack: {
            uint32_t n = STRATA_TRY(agent::Reader(f.payload).u32());
            m_in_flight -= std::min<size_t>(n, m_in_flight);
            return {};
        }
        case Msg::exit: m_exit = STRATA_TRY(agent::decode_exit(f.payload)); return {};
        case Msg::error: return std::unexpected(agent::decode_error(f.payload));
        case Msg::exec_started:
        case Msg::exec_error:
        case Msg::exec_stdout:
        case Msg::exec_stderr:
        case Msg::exec_stdin_ack:
        case Msg::exec_exit:
        case Msg::query_result: return on_exec_frame(f);
        default: return error("vm: unexpected " + std::string(agent::msg_name(f.type)) + " from the agent");
    }
}

Result<> HostRelay::on_exec_frame(const agent::Frame& f) {
    agent::Reader r(f.payload);
    uint32_t id = STRATA_TRY(r.u32());
    auto it = m_exec.find(id);
    if (it == m_exec.end()) {
        // The caller hung up and the session was dropped: output is acknowledged unread.
        if (f.type == Msg::exec_stdout || f.type == Msg::exec_stderr)
            return send_session(Msg::exec_output_ack, id, agent::Writer().u32(static_cast<uint32_t>(agent::output_cost(r.rest().size()))).take());
        return {};
    }
    HostExec& e = it->second;
    auto tell = [&](char kind, std::string_view body) { (void)sys::send_msg(e.conn.get(), std::string(1, kind) + std::string(body)); };
    switch (f.type) {
        case Msg::exec_started:
            e.started = true;
            e.stdin_open = true;
            // A caller that hung up while it started does not get a process it cannot see.
            if (!e.conn) return send_session(Msg::exec_signal, id, agent::Writer().i32(SIGKILL).take());
            tell(kExecStarted, r.rest());
            return {};
        case Msg::query_result:
            tell(kQueryAnswer, r.rest());
            e.failed = true;  // over: one answer ends a query (finish_exec_sessions drops it)
            return {};
        case Msg::exec_error:
            tell(kExecFailed, r.rest());
            e.failed = true;  // ended by finish_exec_sessions: this round's actions may hold it
            e.conn.reset();
            return {};
        case Msg::exec_stdout:
        case Msg::exec_stderr: {
            std::string_view data = r.rest();
            OutputSink& s = f.type == Msg::exec_stdout ? *e.out : *e.err;
            s.push(data, agent::output_cost(data.size()));
            if (size_t units = s.take_acks()) return send_session(Msg::exec_output_ack, id, agent::Writer().u32(static_cast<uint32_t>(units)).take());
            return {};
        }
        case Msg::exec_stdin_ack: {
            uint32_t n = STRATA_TRY(r.u32());
            e.in_flight -= std::min<size_t>(n, e.in_flight);
            return {};
        }
        case Msg::exec_exit:
            e.status = STRATA_TRY(agent::decode_exit(r.rest()));
            e.exited = true;
            e.stdin_open = false;
            return {};
        default: return {};
    }
}

Result<> HostRelay::accept_exec() {
    int fd = ::accept4(m_opts.exec_listener, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) return {};  // the caller gave up already; nothing to do
    uint32_t id = m_next_session++;
    m_exec[id].conn = UniqueFd(fd);
    return {};
}

Result<> HostRelay::on_exec_conn(uint32_t id, HostExec& e) {
    auto m = sys::recv_msg(e.conn.get(), agent::kMaxPayload);
    if (!m && (m.error().code == EAGAIN || m.error().code == EINTR)) return {};
    if (!m || m->eof || m->data.empty()) {
        // The caller is gone (`strata exec` killed, the engine gave up): so is its process.
        if (e.started && !e.exited) STRATA_TRY(send_session(Msg::exec_signal, id, agent::Writer().i32(SIGKILL).take()));
        e.conn.reset();
        return {};
    }
    if (m->data[0] == kExecSignal && e.started && !e.exited) {
        int32_t sig = STRATA_TRY(agent::Reader(std::string_view(m->data).substr(1)).i32());
        return send_session(Msg::exec_signal, id, agent::Writer().i32(sig).take());
    }
    if (m->data[0] == kExecResize && e.started && !e.exited)
        return send_session(Msg::exec_resize, id, std::string_view(m->data).substr(1, 8));
    if (m->data[0] == kQueryRequest && !e.requested && m->data.size() >= 2) {
        // A question instead of a process: the agent answers with query_result or exec_error.
        e.requested = true;
        agent::Writer q;
        q.u8(static_cast<uint8_t>(m->data[1]));
        if (m->data.size() > 2) q.str(std::string_view(m->data).substr(2));  // about a pod's further container
        return send_session(Msg::query, id, q.take());
    }
    if (m->data[0] == kMemberRequest && !e.requested) {
        e.requested = true;
        auto start = stage_member(id, e, *m);
        if (!start) {
            (void)sys::send_msg(e.conn.get(), std::string(1, kExecFailed) + agent::encode_error(start.error()));
            e.conn.reset();
            e.failed = true;
            return {};
        }
        return send(Msg::member_start, *start);
    }
    if (m->data[0] != kExecRequest || e.requested) return {};
    e.requested = true;
    if (m->fds.size() != 3 || m->data.size() < 5) {
        (void)sys::send_msg(e.conn.get(), std::string(1, kExecFailed) + agent::encode_error(Error{EINVAL, "exec: a request needs the caller's stdin, stdout and stderr"}));
        e.conn.reset();
        return {};
    }
    e.in = std::move(m->fds[0]);
    e.out_fd = std::move(m->fds[1]);
    e.err_fd = std::move(m->fds[2]);
    e.out = std::make_unique<OutputSink>(e.out_fd.get());
    e.err = std::make_unique<OutputSink>(e.err_fd.get());
    std::string req = m->data.substr(1);
    std::string sid = agent::Writer().u32(id).take();
    req.replace(0, 4, sid);
    return send(Msg::exec_start, req);
}

Result<std::string> HostRelay::stage_member(uint32_t id, HostExec& e, sys::Message& m) {
    if (m_opts.share_dir.empty()) return os_error(ENOTSUP, "this VM is not a pod sandbox's: it runs no further containers");
    agent::Reader r(std::string_view(m.data).substr(1));
    agent::MemberRequest req;
    req.session = id;
    req.name = STRATA_TRY(r.str());
    req.spec = STRATA_TRY(r.str());
    uint32_t n = STRATA_TRY(r.u32());
    if (m.fds.size() != 3 + size_t(n)) return os_error(EINVAL, "pod container " + req.name + ": a request needs stdio and one fd per share entry");
    std::vector<MemberEntry> entries;
    for (uint32_t i = 0; i < n; ++i) entries.push_back({STRATA_TRY(r.str()), std::move(m.fds[3 + i])});
    e.share = STRATA_TRY(MemberShare::stage(m_opts.share_dir, req.name, std::move(entries)));
    e.in = std::move(m.fds[0]);
    e.out_fd = std::move(m.fds[1]);
    e.err_fd = std::move(m.fds[2]);
    e.out = std::make_unique<OutputSink>(e.out_fd.get());
    e.err = std::make_unique<OutputSink>(e.err_fd.get());
    return agent::encode_member(req);
}

Result<> HostRelay::read_exec_stdin(uint32_t id, HostExec& e) {
    return forward_input(
        e.in.get(), e.in_flight, e.stdin_open, [&](std::string_view d) { return send_session(Msg::exec_stdin, id, d); },
        [&] { return send_session(Msg::exec_stdin_eof, id); });
}

Result<> HostRelay::flush_exec(uint32_t id, OutputSink& sink) {
    sink.on_writable();
    if (size_t units = sink.take_acks()) return send_session(Msg::exec_output_ack, id, agent::Writer().u32(static_cast<uint32_t>(units)).take());
    return {};
}

void HostRelay::finish_exec_sessions() {
    for (auto it = m_exec.begin(); it != m_exec.end();) {
        HostExec& e = it->second;
        bool written = e.out && !e.out->pending() && !e.err->pending();
        if (e.failed) {
            it = m_exec.erase(it);
        } else if (e.exited && written) {
            // Its stdio closes first: the caller's reader sees EOF by the time the exit comes.
            e.out.reset(), e.err.reset(), e.out_fd.reset(), e.err_fd.reset(), e.in.reset();
            if (e.conn) (void)sys::send_msg(e.conn.get(), std::string(1, kExecExited) + agent::encode(e.status));
            it = m_exec.erase(it);
        } else if (!e.conn && !e.requested) {
            it = m_exec.erase(it);  // hung up before it asked for anything
        } else {
            ++it;
        }
    }
}

Result<> HostRelay::send_window_size() {
    winsize ws{};
    if (::ioctl(m_opts.terminal, TIOCGWINSZ, &ws) < 0 || ws.ws_row == 0) return {};  // never set: the guest's stays
    return send(Msg::resize, agent::Writer().u32(ws.ws_row).u32(ws.ws_col).take());
}

Result<> HostRelay::read_stdin() {
    return forward_input(
        0, m_in_flight, m_stdin_open, [&](std::string_view d) { return send(Msg::stdin_data, d); },
        [&] { return send(Msg::stdin_eof); });
}

Result<agent::ExitStatus> HostRelay::run() {
    // Frames that arrived together with `started` are already in the parser.
    while (auto f = STRATA_TRY(m_parser.next())) STRATA_TRY(on_frame(*f));
    // A resize before the relay ran found no SIGWINCH handler (ignored by default).
    if (m_opts.terminal >= 0) STRATA_TRY(send_window_size());
    std::vector<pollfd> fds;
    std::vector<std::function<Result<>()>> on_ready;
    for (;;) {
        finish_exec_sessions();
        // The exit status waits for the workload's output to be written, as it always did.
        if (m_exit && !m_out[0].pending() && !m_out[1].pending()) return *m_exit;
        fds.clear();
        on_ready.clear();
        auto watch = [&](int fd, short events, std::function<Result<>()> action) {
            fds.push_back({fd, events, 0});
            on_ready.push_back(std::move(action));
        };
        bool from_agent = false, vm_stopped = false;
        watch(m_agent, POLLIN, [&]() -> Result<> {
            from_agent = true;
            if (!STRATA_TRY(agent::read_into(m_agent, m_parser))) return error("vm: the agent channel closed before the workload's exit status");
            while (auto f = STRATA_TRY(m_parser.next())) STRATA_TRY(on_frame(*f));
            return {};
        });
        watch(m_sigfd, POLLIN, [&]() -> Result<> {
            signalfd_siginfo si{};
            if (::read(m_sigfd, &si, sizeof si) != sizeof si || si.ssi_signo == SIGCHLD) return {};
            if (si.ssi_signo == SIGWINCH && m_opts.terminal >= 0) return send_window_size();
            STRATA_TRY(send(Msg::signal, agent::Writer().i32(static_cast<int32_t>(si.ssi_signo)).take()));
            return {};
        });
        watch(m_vm.stopped_fd(), POLLIN, [&]() -> Result<> {
            vm_stopped = true;
            return {};
        });
        if (m_stdin_open && m_in_flight < agent::kStdinWindow) watch(0, POLLIN, [&] { return read_stdin(); });
        for (int stream : {1, 2})
            if (m_out[stream - 1].pending()) watch(stream, POLLOUT, [&, stream] { return flush(stream); });
        if (m_opts.exec_listener >= 0 && !m_exit) watch(m_opts.exec_listener, POLLIN, [&] { return accept_exec(); });
        for (auto& [sid, sess] : m_exec) {
            uint32_t id = sid;
            HostExec* e = &sess;
            if (e->conn) watch(e->conn.get(), POLLIN, [this, id, e] { return on_exec_conn(id, *e); });
            if (e->failed) continue;
            if (e->started && e->stdin_open && e->in_flight < agent::kStdinWindow)
                watch(e->in.get(), POLLIN, [this, id, e] { return read_exec_stdin(id, *e); });
            if (e->out && e->out->pending()) watch(e->out->fd(), POLLOUT, [this, id, e] { return flush_exec(id, *e->out); });
            if (e->err && e->err->pending()) watch(e->err->fd(), POLLOUT, [this, id, e] { return flush_exec(id, *e->err); });
        }
        if (::poll(fds.data(), static_cast<nfds_t>(fds.size()), -1) < 0) {
            if (errno == EINTR) continue;
            return os_error(errno, "vm: poll");
        }
        // Frames first (the agent is watched first): an exit status outranks a VM that stopped
        // just after it. Sessions are only added (accept_exec) during a round and erased by
        // finish_exec_sessions between rounds, so the pointers the actions hold stay valid.
        for (size_t i = 0; i < fds.size(); ++i)
            if (fds[i].revents) STRATA_TRY(on_ready[i]());
        if (vm_stopped && !from_agent) {
            std::string how = m_vm.reap().value_or("QEMU stopped");
            return error("vm: the VM stopped before the workload exited (" + how + ")");
        }
    }
}

}  // namespace

Result<agent::ExitStatus> relay_workload(int agent_fd, agent::FrameParser& parser, Vm& vm, int sigfd, const RelayOptions& opts) {
    return HostRelay(agent_fd, parser, vm, sigfd, opts).run();
}

}  // namespace strata::vm
