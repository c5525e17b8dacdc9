#pragma once
// The host <-> guest-agent protocol, shared by the monitor (src/vm) and the agent (guest/agent).
// It runs over one byte stream: in the guest port 0 of a single-port virtio-console (/dev/hvc0,
// put in raw mode: binary-safe, no echo); on the host a connected stream socket (QEMU:
// virtconsole; strata's VMM: its virtio-console).
//
// A frame is an 8-byte header {u32 payload length (LE), u8 type, 3 reserved bytes} and the payload.
//
//   agent -> host: hello {u64 guest uptime in µs at the agent's start, str agent version}
//                  prepared {u32 workload pid in the guest}   (the workload waits for start)
//                  started {}                                 (execve succeeded)
//                  stdout / stderr {bytes}     stdin_ack {u32 bytes delivered to the workload}
//                  exit {u8 signaled, i32 code or signal}     (the VM is about to power off)
//                  error {i32 errno, str context}             (prepare or start failed)
//                  log {str}                                  (a warning for the host's log)
//                  trace {str}                                (the guest's timeline, debug log)
//   host -> agent: config {StartConfig}   start {}   stdin {bytes}   stdin_eof {}
//                  signal {i32}           output_closed {u8 stream}  (host reader is gone: EPIPE)
//                  output_ack {u32 window units}                 (output written to the host fds)
//                  sync {}                (before config only: answered by synced once the agent
//                                          has booted and waits for its config)
//                  resize {u32 rows, u32 columns}  (process.terminal: the workload's pty in the guest)
//   agent -> host: synced {}
//
// Exec sessions (after started): each exec'd process is a session, numbered by the host; every
// frame of one starts with its u32 session id.
//   host -> agent: exec_start {u32 id, ExecRequest (spec_codec.h)}   exec_stdin {u32 id, bytes}
//                  exec_stdin_eof {u32 id}     exec_signal {u32 id, i32 signal}
//                  exec_output_ack {u32 id, u32 window units}
//                  exec_resize {u32 id, u32 rows, u32 columns}   (a terminal session's pty)
//                  member_start {u32 id, MemberRequest}  (a pod VM's further container: a
//                                 session as an exec's, answered by exec_started or exec_error)
//   agent -> host: exec_started {u32 id, u32 pid in the guest, u32 µs from request to exec'd}
//                  | exec_error {u32 id, error}
//                  exec_stdout / exec_stderr {u32 id, bytes}     exec_stdin_ack {u32 id, u32 n}
//                  exec_exit {u32 id, exit}    (after its output; the session is then gone)
// A session with process.terminal gets a pty in the guest: its output is all exec_stdout. So
// does the workload with process.terminal: all its output is stdout, its size set by `resize`.
// Each session has its own output window (exec_output_window) and stdin window (kStdinWindow),
// apart from the workload's: an exec's output never waits behind the workload's, nor the
// reverse. The agent runs at most kMaxExecSessions at once and refuses more with EBUSY.
//
// Order: hello, config, prepared|error, start, started|error, then data both ways, then exit.
// A booted template (vm/template/template.h) is saved between synced and config; a VM restored from it
// gets its config without a hello of its own.
// The host sends config only after hello: before the agent put hvc0 in raw mode the tty would
// echo and mangle it. With StartConfig::start_at_once the agent starts the workload right after
// `prepared` and the host sends no `start` (`strata run`: nothing can observe the created state).
//
// Flow control, both ways. The host keeps at most kStdinWindow unacknowledged stdin bytes in
// flight, so the agent never buffers more than that while it still reads the stream for signals.
// The agent keeps at most StartConfig::output_window units of stdout/stderr frames in flight
// (output_cost: payload plus a per-frame allowance for the host socket's accounting). This one is
// not optional: QEMU drops what a console port's guest writes when the host socket is full (it
// cannot throttle the guest's hvc driver), so the host sizes its socket buffer to hold a whole
// window and acknowledges frames only once they are written out.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace strata::vm::agent {

enum class Msg : uint8_t {
    // host -> agent
    config = 1,
    start = 2,
    stdin_data = 3,
    stdin_eof = 4,
    signal = 5,
    output_closed = 6,
    output_ack = 7,
    sync = 8,
    exec_start = 9,
    exec_stdin = 10,
    exec_stdin_eof = 11,
    exec_signal = 12,
    exec_output_ack = 13,
    exec_resize = 14,
    resize = 15,
    // u32 session + u8 vm::agent::Query (guest_query.h) [+ str: about a pod VM's further
    // container, by name]; answered by query_result or exec_error
    query = 16,
    member_start = 17,  // MemberRequest (spec_codec.h); answered as exec_start is, then a session like it
    // agent -> host
    hello = 64,
    prepared = 65,
    started = 66,
    stdout_data = 67,
    stderr_data = 68,
    stdin_ack = 69,
    exit = 70,
    error = 71,
    log = 72,
    trace = 73,
    synced = 74,
    exec_started = 75,
    exec_stdout = 76,
    exec_stderr = 77,
    exec_stdin_ack = 78,
    exec_exit = 79,
    exec_error = 80,
    query_result = 81,  // u32 session + the answer (guest_query.h)
};
std::string_view msg_name(Msg m);

inline constexpr size_t kHeaderSize = 8;
inline constexpr uint32_t kMaxPayload = 4u << 20;  // config.json plus headroom
inline constexpr size_t kMaxData = 32 * 1024;      // one stdio frame
inline constexpr size_t kStdinWindow = 256 * 1024;
// 4: NICs; 5: bind mounts from the 9p share; 6: exec; 7: the workload's terminal (resize);
// 8: linux.seccomp (a compiled filter in the spec); queries (the guest's processes, its stats);
// 9: the processes answer has the guest's uptime, the pid namespace and all four uids and gids;
// 10: a pod VM's further containers (member_start; exec names its container)
inline constexpr const char* kVersion = "10";

// What an output frame of `payload` bytes counts against the output window: its bytes, plus
// what the host socket may charge beyond them (a kernel buffer per piece the guest's tty driver
// writes, a header and a payload piece per frame, up to ~2x the bytes for page-sized pieces).
inline constexpr size_t output_cost(size_t payload) { return 2 * payload + 4096; }

// The output window is shared out once, at the config: half to the workload, the other half in
// equal parts to kMaxExecSessions exec sessions. An exec frame carries at most exec_max_data
// bytes so that one always fits its session's part.
inline constexpr size_t kMaxExecSessions = 8;
inline constexpr size_t main_output_window(size_t window) { return window / 2; }
inline constexpr size_t exec_output_window(size_t window) { return window / 2 / kMaxExecSessions; }
inline constexpr size_t exec_max_data(size_t window) {
    size_t w = exec_output_window(window);
    size_t fit = w > output_cost(0) ? (w - output_cost(0)) / 2 : 0;
    return fit < kMaxData ? fit : kMaxData;
}

enum class RootfsKind : uint8_t { erofs = 1, initramfs = 2 };

// One interface of the container's network namespace as the guest's NIC gets it (read on the
// host over netlink; vm/net). Addresses and routes are network-order bytes (4 or 16).
struct NicConfig {
    std::string device_mac;       // 6 bytes: the MAC the VMM gave the device (finds it in the guest)
    std::string mac;              // 6 bytes: the namespace interface's MAC, which the guest takes
    std::string name;             // the namespace interface's name ("eth0")
    uint32_t mtu = 0;
    struct Address {
        uint8_t family = 0, prefix = 0;
        std::string bytes;
    };
    struct Route {
        uint8_t family = 0, dst_len = 0, scope = 0;
        std::string dst, gateway;  // empty dst: the default route; empty gateway: on-link
        uint32_t priority = 0;
    };
    std::vector<Address> addresses;
    std::vector<Route> routes;    // those through this interface, link-scope ones first
};

// What the agent needs besides config.json to run the workload.
struct StartConfig {
    RootfsKind rootfs = RootfsKind::erofs;
    std::string rootfs_source;    // erofs: block device ("/dev/vda"); initramfs: directory
    std::string spec;             // the container's config, encoded by encode_spec (spec_codec.h)
    uint32_t writable_mib = 0;    // size of the tmpfs upper layer (0: the tmpfs default)
    bool start_at_once = false;   // no `start` frame will come: start right after `prepared`
    bool trace = false;           // send the guest's timeline (a trace frame) before `exit`
    uint32_t output_window = 0;   // output_cost units in flight at most; >= output_cost(kMaxData)
    // Fresh for every VM: a guest restored from a template starts with the template's random
    // pool and clock. The agent mixes `entropy` into the pool and reseeds, and sets the clock.
    std::string entropy;          // kEntropyBytes from the host's getrandom
    uint64_t realtime_ns = 0;     // the host's CLOCK_REALTIME when it sent the config
    std::vector<NicConfig> nics;  // the guest's NICs in device order (none: only lo)
};
inline constexpr size_t kEntropyBytes = 32;

struct ExitStatus {
    bool signaled = false;
    int32_t value = 0;  // exit code, or the signal number
    // Shell convention, as `strata run` reports a container: code, or 128+signal.
    int shell_status() const { return signaled ? 128 + value : value; }
};

struct Hello {
    uint64_t uptime_us = 0;
    std::string version;
};

// Little-endian payload builder and a bounds-checked reader for it.
class Writer {
public:
    Writer& u8(uint8_t v);
    Writer& u32(uint32_t v);
    Writer& u64(uint64_t v);
    Writer& i32(int32_t v) { return u32(static_cast<uint32_t>(v)); }
    Writer& str(std::string_view s);  // u32 length + bytes
    std::string take() { return std::move(m_out); }

private:
    std::string m_out;
};

class Reader {
public:
    explicit Reader(std::string_view in) : m_in(in) {}
    Result<uint8_t> u8();
    Result<uint32_t> u32();
    Result<uint64_t> u64();
    Result<int32_t> i32();
    Result<std::string> str();
    // What is left (an exec frame's data after its session id).
    std::string_view rest() { return std::exchange(m_in, {}); }

private:
    Result<std::string_view> take(size_t n);
    std::string_view m_in;
};

std::string encode(const StartConfig& c);
Result<StartConfig> decode_start_config(std::string_view payload);
std::string encode(const ExitStatus& s);
Result<ExitStatus> decode_exit(std::string_view payload);
std::string encode(const Hello& h);
Result<Hello> decode_hello(std::string_view payload);
// An agent built from other sources speaks another protocol: an error that says so.
Result<> check_version(const Hello& h);
std::string encode_error(const Error& e);
Error decode_error(std::string_view payload);

// The 8-byte header for a payload of `size` bytes.
std::string header(Msg type, size_t size);

struct Frame {
    Msg type{};
    std::string payload;
};

// Reassembles frames from a byte stream read in arbitrary pieces.
class FrameParser {
public:
    void feed(std::string_view bytes) { m_buf.append(bytes); }
    // The next complete frame, nullopt if more bytes are needed; an error if the stream is corrupt.
    Result<std::optional<Frame>> next();
    size_t buffered() const { return m_buf.size() - m_pos; }

private:
    std::string m_buf;
    size_t m_pos = 0;
};

}  // namespace strata::vm::agent
