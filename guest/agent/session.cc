#include "agent/session.h"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <vector>

#include "agent/exec.h"
#include "agent/fresh_state.h"
#include "agent/introspect.h"
#include "agent/member.h"
#include "agent/network.h"
#include "agent/terminal.h"
#include "agent/timeline.h"
#include "agent/workload.h"
#include "sys/clock.h"
#include "vm/protocol/frame_io.h"
#include "vm/protocol/spec_codec.h"

namespace strata::agent {
namespace {

using vm::agent::ExitStatus;
using vm::agent::Frame;
using vm::agent::Msg;
using vm::agent::write_frame;

// Writes what `buf` holds to the non-blocking `w` as far as it takes it; `ack(n)` for every n
// bytes delivered, or dropped once the reader is gone (EPIPE: it will never read again, and the
// host's stdin window must drain). With `eof` and nothing left, `w` is closed.
Result<> drain_into(UniqueFd& w, std::string& buf, bool eof, const std::function<Result<>(size_t)>& ack) {
    while (w && !buf.empty()) {
        ssize_t n = ::write(w.get(), buf.data(), buf.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) return {};
            size_t dropped = buf.size();
            buf.clear();
            w.reset();
            return ack(dropped);
        }
        buf.erase(0, static_cast<size_t>(n));
        STRATA_TRY(ack(static_cast<size_t>(n)));
    }
    if (eof && buf.empty()) w.reset();
    return {};
}

// Reads the non-blocking pipe `fd` into frames of at most `chunk` bytes (`send`) while one more
// full frame fits the output window (`in_flight` of `window` units, agent_protocol.h); EOF or an
// error closes `fd`.
Result<> pump_window(UniqueFd& fd, size_t chunk, size_t& in_flight, size_t window,
                     const std::function<Result<>(std::string_view)>& send) {
    std::string buf(chunk, '\0');
    while (fd && in_flight + vm::agent::output_cost(chunk) <= window) {
        ssize_t n = ::read(fd.get(), buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return {};
        if (n <= 0) {
            fd.reset();
            return {};
        }
        STRATA_TRY(send(std::string_view(buf.data(), static_cast<size_t>(n))));
        in_flight += vm::agent::output_cost(static_cast<size_t>(n));
        if (static_cast<size_t>(n) < buf.size()) return {};
    }
    return {};
}

// The relay after start: workload stdio <-> frames, host signals -> workload, SIGCHLD -> reaping.
class Relay {
public:
    Relay(int channel, vm::agent::FrameParser& parser, Workload& w, int sigchld, size_t output_window)
        : m_ch(channel), m_parser(parser), m_w(w), m_sigchld(sigchld),
          m_out_window(vm::agent::main_output_window(output_window)),
          m_exec_window(vm::agent::exec_output_window(output_window)),
          m_exec_chunk(vm::agent::exec_max_data(output_window)) {}

    Result<ExitStatus> run();
    // Handles one host frame (also used before start, for signals).
    Result<> on_frame(const Frame& f);
    void reap();
    bool exited() const { return m_exit.has_value(); }

private:
    // One exec'd process (agent_protocol.h: exec sessions).
    struct Session {
        ExecProcess p;
        std::string stdin_buf;
        bool stdin_eof = false;
        size_t out_in_flight = 0;
        std::optional<ExitStatus> exit;
        int64_t exit_ms = 0;
    };
    static constexpr int kDrainMs = 2000;  // output still arriving after a process's exit

    Result<> on_exec_frame(const Frame& f);
    Result<> start_exec(const Frame& f);
    Result<> start_member_session(const Frame& f);
    // Why a new session `id` (an exec, a pod VM's further container: `what`) cannot start.
    std::optional<Error> session_refusal(uint32_t id, const std::string& what) const {
        if (m_exec.count(id)) return Error{EEXIST, what + ": session " + std::to_string(id) + " exists"};
        if (m_exec.size() >= vm::agent::kMaxExecSessions)
            return Error{EBUSY, what + ": " + std::to_string(vm::agent::kMaxExecSessions) + " containers and exec'd processes run already"};
        if (m_exit || m_w.pid <= 0) return Error{ESRCH, what + ": the workload has exited"};
        return std::nullopt;
    }
    // The running further container of a pod VM named `name`, or null.
    const Workload* member_named(const std::string& name) {
        for (const auto& [sid, m] : m_members) {
            auto carrier = m_exec.find(sid);
            if (m->name == name && carrier != m_exec.end() && !carrier->second.exit) return &m->w;
        }
        return nullptr;
    }
    Result<> pump_exec_output(uint32_t id, Session& s, UniqueFd& fd, Msg type);
    Result<> pump_exec_stdin(uint32_t id, Session& s);
    // Sends exec_exit once its output is out (or the drain time is up); the session ends.
    Result<> finish_exec_sessions();
    bool exec_blocked(const Session& s) const {
        return s.out_in_flight + vm::agent::output_cost(m_exec_chunk) > m_exec_window;
    }
    Result<> send_session(Msg type, uint32_t id, std::string_view data = {}) {
        return write_frame(m_ch, type, vm::agent::Writer().u32(id).take() + std::string(data));
    }

    Result<> pump_output(UniqueFd& fd, Msg type);
    Result<> pump_stdin();
    Result<> ack(size_t n) {
        if (n == 0) return {};
        return write_frame(m_ch, Msg::stdin_ack, vm::agent::Writer().u32(static_cast<uint32_t>(n)).take());
    }

    // Whether one more full output frame could overflow what the host acknowledges
    // (agent_protocol.h: QEMU would drop what does not fit).
    bool output_blocked() const {
        return m_out_in_flight + vm::agent::output_cost(vm::agent::kMaxData) > m_out_window;
    }

    int m_ch;
    vm::agent::FrameParser& m_parser;
    Workload& m_w;
    int m_sigchld;
    size_t m_out_window;
    size_t m_out_in_flight = 0;
    std::string m_stdin;
    bool m_stdin_eof = false;
    std::optional<ExitStatus> m_exit;
    size_t m_exec_window, m_exec_chunk;
    std::map<uint32_t, Session> m_exec;
    // A pod VM's further containers (member.h), by the session that carries each.
    std::map<uint32_t, std::unique_ptr<Member>> m_members;
};

Result<> Relay::on_frame(const Frame& f) {
    switch (f.type) {
        case Msg::stdin_data:
            if (!m_w.stdin_w) return ack(f.payload.size());  // the workload closed its stdin
            m_stdin += f.payload;
            return pump_stdin();
        case Msg::stdin_eof:
            m_stdin_eof = true;
            return pump_stdin();
        case Msg::signal: {
            int32_t sig = STRATA_TRY(vm::agent::Reader(f.payload).i32());
            if (m_w.pid > 0 && !m_exit) ::kill(m_w.pid, sig);
            return {};
        }
        case Msg::resize: {
            vm::agent::Reader r(f.payload);
            uint32_t rows = STRATA_TRY(r.u32()), cols = STRATA_TRY(r.u32());
            if (m_w.pty) (void)resize_pty(m_w.pty.get(), rows, cols);
            return {};
        }
        case Msg::output_ack: {
            uint32_t n = STRATA_TRY(vm::agent::Reader(f.payload).u32());
            m_out_in_flight -= std::min<size_t>(n, m_out_in_flight);
            return {};
        }
        case Msg::output_closed: {
            uint8_t stream = STRATA_TRY(vm::agent::Reader(f.payload).u8());
            // The host's reader is gone: closing our end gives the workload EPIPE, as on a host.
            if (stream == 1) m_w.stdout_r.reset();
            if (stream == 2) m_w.stderr_r.reset();
            return {};
        }
        case Msg::exec_start:
        case Msg::exec_stdin:
        case Msg::exec_stdin_eof:
        case Msg::exec_signal:
        case Msg::exec_output_ack:
        case Msg::exec_resize:
        case Msg::member_start: return on_exec_frame(f);
        case Msg::query: {
            vm::agent::Reader r(f.payload);
            uint32_t id = STRATA_TRY(r.u32());
            auto what = static_cast<vm::agent::Query>(STRATA_TRY(r.u8()));
            const Workload* target = &m_w;
            std::string about;
            if (std::string_view rest = r.rest(); !rest.empty()) {
                about = STRATA_TRY(vm::agent::Reader(rest).str());
                target = member_named(about);
            }
            auto answer = m_exit ? Result<std::string>(os_error(ESRCH, "the workload has exited"))
                          : !target ? Result<std::string>(os_error(ESRCH, "container " + about + " is not running in this pod's VM"))
                                    : answer_query(*target, what);
            if (!answer) return send_session(Msg::exec_error, id, vm::agent::encode_error(answer.error()));
            return send_session(Msg::query_result, id, *answer);
        }
        default:
            return error("agent: unexpected " + std::string(vm::agent::msg_name(f.type)) + " message");
    }
}

Result<> Relay::start_exec(const Frame& f) {
    auto req = vm::agent::decode_exec(f.payload);
    if (!req) return error("agent: " + req.error().message());
    uint32_t id = req->session;
    auto refuse = [&](const Error& e) { return send_session(Msg::exec_error, id, vm::agent::encode_error(e)); };
    if (auto no = session_refusal(id, "exec")) return refuse(*no);
    const Workload* target = &m_w;
    if (!req->container.empty()) {
        target = member_named(req->container);
        if (!target) return refuse(Error{ESRCH, "exec: container " + req->container + " is not running in this pod's VM"});
    }
    int64_t t0 = sys::monotonic_us();
    auto p = spawn_exec(*target, *req);
    if (!p) return refuse(p.error());
    auto spawn_us = static_cast<uint32_t>(sys::monotonic_us() - t0);
    pid_t pid = p->pid;
    m_exec[id].p = std::move(*p);
    return send_session(Msg::exec_started, id, vm::agent::Writer().u32(static_cast<uint32_t>(pid)).u32(spawn_us).take());
}

Result<> Relay::start_member_session(const Frame& f) {
    auto req = vm::agent::decode_member(f.payload);
    if (!req) return error("agent: " + req.error().message());
    uint32_t id = req->session;
    auto refuse = [&](const Error& e) { return send_session(Msg::exec_error, id, vm::agent::encode_error(e)); };
    if (auto no = session_refusal(id, "pod container " + req->name)) return refuse(*no);
    for (const auto& [sid, m] : m_members)
        if (m->name == req->name) return refuse(Error{EEXIST, "pod container " + req->name + " runs already"});
    int64_t t0 = sys::monotonic_us();
    std::vector<std::string> warnings;
    auto m = start_member(m_w, *req, warnings);
    for (const auto& warning : warnings) STRATA_TRY(write_frame(m_ch, Msg::log, "pod container " + req->name + ": " + warning));
    if (!m) return refuse(m.error());
    auto spawn_us = static_cast<uint32_t>(sys::monotonic_us() - t0);
    Member& member = **m;
    Session& s = m_exec[id];
    s.p.pid = member.w.pid;
    s.p.pty = std::move(member.w.pty);  // process.terminal: stdin_w and stdout_r are copies of it
    s.p.stdin_w = std::move(member.w.stdin_w);
    s.p.stdout_r = std::move(member.w.stdout_r);
    s.p.stderr_r = std::move(member.w.stderr_r);
    pid_t pid = member.w.pid;
    m_members[id] = std::move(*m);
    return send_session(Msg::exec_started, id, vm::agent::Writer().u32(static_cast<uint32_t>(pid)).u32(spawn_us).take());
}

Result<> Relay::on_exec_frame(const Frame& f) {
    if (f.type == Msg::exec_start) return start_exec(f);
    if (f.type == Msg::member_start) return start_member_session(f);
    vm::agent::Reader r(f.payload);
    uint32_t id = STRATA_TRY(r.u32());
    auto it = m_exec.find(id);
    if (it == m_exec.end()) {
        // The session ended while the frame was on its way: stdin still needs its ack.
        if (f.type == Msg::exec_stdin) return send_session(Msg::exec_stdin_ack, id, vm::agent::Writer().u32(static_cast<uint32_t>(r.rest().size())).take());
        return {};
    }
    Session& s = it->second;
    switch (f.type) {
        case Msg::exec_stdin:
            if (!s.p.stdin_w) return send_session(Msg::exec_stdin_ack, id, vm::agent::Writer().u32(static_cast<uint32_t>(r.rest().size())).take());
            s.stdin_buf += r.rest();
            return pump_exec_stdin(id, s);
        case Msg::exec_stdin_eof:
            s.stdin_eof = true;
            return pump_exec_stdin(id, s);
        case Msg::exec_signal: {
            int32_t sig = STRATA_TRY(r.i32());
            if (!s.exit) ::kill(s.p.pid, sig);
            return {};
        }
        case Msg::exec_output_ack: {
            uint32_t n = STRATA_TRY(r.u32());
            s.out_in_flight -= std::min<size_t>(n, s.out_in_flight);
            return {};
        }
        case Msg::exec_resize: {
            uint32_t rows = STRATA_TRY(r.u32()), cols = STRATA_TRY(r.u32());
            if (s.p.pty) (void)resize_pty(s.p.pty.get(), rows, cols);
            return {};
        }
        default: return {};
    }
}

Result<> Relay::pump_exec_stdin(uint32_t id, Session& s) {
    return drain_into(s.p.stdin_w, s.stdin_buf, s.stdin_eof, [&](size_t n) {
        return send_session(Msg::exec_stdin_ack, id, vm::agent::Writer().u32(static_cast<uint32_t>(n)).take());
    });
}

Result<> Relay::pump_exec_output(uint32_t id, Session& s, UniqueFd& fd, Msg type) {
    return pump_window(fd, m_exec_chunk, s.out_in_flight, m_exec_window,
                       [&](std::string_view data) { return send_session(type, id, data); });
}

Result<> Relay::finish_exec_sessions() {
    int64_t now = sys::monotonic_ms();
    for (auto it = m_exec.begin(); it != m_exec.end();) {
        Session& s = it->second;
        bool drained = !s.p.stdout_r && !s.p.stderr_r;
        if (!s.exit || (!drained && now - s.exit_ms < kDrainMs)) {
            ++it;
            continue;
        }
        STRATA_TRY(send_session(Msg::exec_exit, it->first, vm::agent::encode(*s.exit)));
        if (auto m = m_members.find(it->first); m != m_members.end()) {
            remove_member(*m->second);
            m_members.erase(m);
        }
        it = m_exec.erase(it);
    }
    return {};
}

Result<> Relay::pump_stdin() {
    return drain_into(m_w.stdin_w, m_stdin, m_stdin_eof, [&](size_t n) { return ack(n); });
}

Result<> Relay::pump_output(UniqueFd& fd, Msg type) {
    return pump_window(fd, vm::agent::kMaxData, m_out_in_flight, m_out_window,
                       [&](std::string_view data) { return write_frame(m_ch, type, data); });
}

void Relay::reap() {
    signalfd_siginfo si;
    while (::read(m_sigchld, &si, sizeof si) > 0) {
    }
    int st = 0;
    pid_t pid;
    while ((pid = ::waitpid(-1, &st, WNOHANG)) > 0) {
        ExitStatus e;
        if (WIFSIGNALED(st)) e = {true, WTERMSIG(st)};
        else e = {false, WEXITSTATUS(st)};
        if (pid != m_w.pid) {
            for (auto& [id, s] : m_exec)
                if (s.p.pid == pid && !s.exit) {
                    s.exit = e;
                    s.exit_ms = sys::monotonic_ms();
                    s.p.stdin_w.reset();
                }
            continue;
        }
        m_exit = e;
        mark("reaped");
        // Without its own pid namespace nothing else ends the workload's children; the VM is
        // about to stop, so do what a pid namespace's end would do.
        if (!m_w.own_pid_namespace) ::kill(-1, SIGKILL);
        m_w.stdin_w.reset();
    }
}

Result<ExitStatus> Relay::run() {
    int drain_left = kDrainMs;
    // Frames that arrived together with `start` are already in the parser.
    while (auto f = STRATA_TRY(m_parser.next())) STRATA_TRY(on_frame(*f));
    std::vector<pollfd> fds;
    std::vector<std::function<Result<>()>> on_ready;
    for (;;) {
        STRATA_TRY(finish_exec_sessions());
        if (m_exit && !m_w.stdout_r && !m_w.stderr_r) return *m_exit;
        fds.clear();
        on_ready.clear();
        auto watch = [&](int fd, short events, std::function<Result<>()> action) {
            fds.push_back({fd, events, 0});
            on_ready.push_back(std::move(action));
        };
        // With an output window full the process's pipes wait (and so, once they are full, does
        // the process), until the host acknowledges. Output first: what a process wrote before
        // it exited goes out before its exit status.
        if (m_w.stdout_r && !output_blocked()) watch(m_w.stdout_r.get(), POLLIN, [&] { return pump_output(m_w.stdout_r, Msg::stdout_data); });
        if (m_w.stderr_r && !output_blocked()) watch(m_w.stderr_r.get(), POLLIN, [&] { return pump_output(m_w.stderr_r, Msg::stderr_data); });
        if (m_w.stdin_w && !m_stdin.empty()) watch(m_w.stdin_w.get(), POLLOUT, [&] { return pump_stdin(); });
        bool exec_exited = false;
        for (auto& [id, sess] : m_exec) {
            uint32_t sid = id;
            Session* s = &sess;
            exec_exited |= s->exit.has_value();
            if (exec_blocked(*s)) continue;
            if (s->p.stdout_r) watch(s->p.stdout_r.get(), POLLIN, [this, sid, s] { return pump_exec_output(sid, *s, s->p.stdout_r, Msg::exec_stdout); });
            if (s->p.stderr_r) watch(s->p.stderr_r.get(), POLLIN, [this, sid, s] { return pump_exec_output(sid, *s, s->p.stderr_r, Msg::exec_stderr); });
            if (s->p.stdin_w && !s->stdin_buf.empty()) watch(s->p.stdin_w.get(), POLLOUT, [this, sid, s] { return pump_exec_stdin(sid, *s); });
        }
        watch(m_sigchld, POLLIN, [&]() -> Result<> {
            reap();
            return {};
        });
        watch(m_ch, POLLIN, [&]() -> Result<> {
            if (!STRATA_TRY(vm::agent::read_into(m_ch, m_parser))) return error("agent: the host closed the channel");
            while (auto f = STRATA_TRY(m_parser.next())) STRATA_TRY(on_frame(*f));
            return {};
        });
        int timeout = m_exit || exec_exited ? 50 : -1;
        int r = ::poll(fds.data(), static_cast<nfds_t>(fds.size()), timeout);
        if (r < 0 && errno != EINTR) return os_error(errno, "agent: poll");
        if (m_exit && r == 0 && (drain_left -= 50) <= 0) return *m_exit;
        if (r <= 0) continue;
        // Actions may add or end sessions: each works on what it captured, and the sessions
        // map only changes in start_exec (new entries) and finish_exec_sessions (above).
        for (size_t i = 0; i < fds.size(); ++i)
            if (fds[i].revents) STRATA_TRY(on_ready[i]());
    }
}

Result<> report(int ch, const Error& e) {
    std::fprintf(stderr, "strata-agent: %s\n", e.message().c_str());
    return write_frame(ch, Msg::error, vm::agent::encode_error(e));
}

}  // namespace

Result<> say_hello(int ch, uint64_t boot_uptime_us) {
    return write_frame(ch, Msg::hello, vm::agent::encode(vm::agent::Hello{boot_uptime_us, vm::agent::kVersion}));
}

Result<ExitStatus> run_session(int ch) {
    vm::agent::FrameParser parser;
    // SIGCHLD is read from a signalfd; blocked before the clone so no exit is missed.
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    ::sigprocmask(SIG_BLOCK, &chld, nullptr);
    UniqueFd sigfd(::signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK));
    ::signal(SIGPIPE, SIG_IGN);

    Frame cf = STRATA_TRY(vm::agent::read_frame(ch, parser, -1));
    // A host saving a booted template asks when the boot is done: here, waiting for the config.
    while (cf.type == Msg::sync) {
        STRATA_TRY(write_frame(ch, Msg::synced));
        cf = STRATA_TRY(vm::agent::read_frame(ch, parser, -1));
    }
    if (cf.type != Msg::config) return error("agent: expected config, got " + std::string(vm::agent::msg_name(cf.type)));
    mark("config");

    vm::agent::StartConfig sc;
    auto prepare = [&]() -> Result<Workload> {
        sc = STRATA_TRY(vm::agent::decode_start_config(cf.payload));
        STRATA_TRY(seed_random(sc.entropy));
        if (!sc.entropy.empty()) mark("reseeded");  // the host's entropy is in, the CRNG reseeded
        STRATA_TRY(set_clock(sc.realtime_ns));
        STRATA_TRY(configure_nics(sc.nics));
        if (!sc.nics.empty()) mark("network");
        static vm::agent::GuestSpec spec;  // the child refers to it until exec
        spec = STRATA_TRY(vm::agent::decode_spec(sc.spec));
        mark("decoded");
        std::vector<std::string> warnings;
        auto w = prepare_workload(sc, spec, warnings);
        for (const auto& warning : warnings) STRATA_TRY(write_frame(ch, Msg::log, warning));
        return w;
    };
    auto prepared = prepare();
    if (!prepared) {
        (void)report(ch, prepared.error());
        return std::unexpected(prepared.error());
    }
    Workload& w = *prepared;
    mark("prepared");
    STRATA_TRY(write_frame(ch, Msg::prepared, vm::agent::Writer().u32(static_cast<uint32_t>(w.pid)).take()));

    Relay relay(ch, parser, w, sigfd.get(), sc.output_window);
    // Until start only signals (and early stdin, which waits in the pipe) can come.
    while (!sc.start_at_once) {
        Frame f = STRATA_TRY(vm::agent::read_frame(ch, parser, -1));
        if (f.type == Msg::start) break;
        STRATA_TRY(relay.on_frame(f));
    }
    auto started = start_workload(w);
    if (!started) {
        (void)report(ch, started.error());
        return std::unexpected(started.error());
    }
    mark("started");
    STRATA_TRY(write_frame(ch, Msg::started));
    ExitStatus status = STRATA_TRY(relay.run());
    mark("exited");
    if (sc.trace) STRATA_TRY(write_frame(ch, Msg::trace, "guest timeline (ms of uptime): " + timeline_text()));
    STRATA_TRY(write_frame(ch, Msg::exit, vm::agent::encode(status)));
    // On hvc0, write(2) returns once the bytes are in the tty's buffer; the VM must not power off
    // before the device took them. (A virtio-serial port's write returns when the host has them.)
    if (::isatty(ch)) ::tcdrain(ch);
    return status;
}

}  // namespace strata::agent
