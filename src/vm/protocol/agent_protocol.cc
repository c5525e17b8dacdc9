#include "vm/protocol/agent_protocol.h"

#include <cstring>

#include "base/strings.h"

namespace strata::vm::agent {

std::string_view msg_name(Msg m) {
    switch (m) {
        case Msg::config: return "config";
        case Msg::start: return "start";
        case Msg::stdin_data: return "stdin";
        case Msg::stdin_eof: return "stdin_eof";
        case Msg::signal: return "signal";
        case Msg::output_closed: return "output_closed";
        case Msg::output_ack: return "output_ack";
        case Msg::sync: return "sync";
        case Msg::hello: return "hello";
        case Msg::prepared: return "prepared";
        case Msg::started: return "started";
        case Msg::stdout_data: return "stdout";
        case Msg::stderr_data: return "stderr";
        case Msg::stdin_ack: return "stdin_ack";
        case Msg::exit: return "exit";
        case Msg::error: return "error";
        case Msg::log: return "log";
        case Msg::trace: return "trace";
        case Msg::synced: return "synced";
        case Msg::exec_start: return "exec_start";
        case Msg::exec_stdin: return "exec_stdin";
        case Msg::exec_stdin_eof: return "exec_stdin_eof";
        case Msg::exec_signal: return "exec_signal";
        case Msg::exec_output_ack: return "exec_output_ack";
        case Msg::exec_resize: return "exec_resize";
        case Msg::resize: return "resize";
        case Msg::query: return "query";
        case Msg::member_start: return "member_start";
        case Msg::exec_started: return "exec_started";
        case Msg::exec_stdout: return "exec_stdout";
        case Msg::exec_stderr: return "exec_stderr";
        case Msg::exec_stdin_ack: return "exec_stdin_ack";
        case Msg::exec_exit: return "exec_exit";
        case Msg::exec_error: return "exec_error";
        case Msg::query_result: return "query_result";
    }
    return "unknown";
}

Writer& Writer::u8(uint8_t v) {
    m_out.push_back(static_cast<char>(v));
    return *this;
}
Writer& Writer::u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) m_out.push_back(static_cast<char>(v >> (8 * i)));
    return *this;
}
Writer& Writer::u64(uint64_t v) {
    for (int i = 0; i < 8; ++i) m_out.push_back(static_cast<char>(v >> (8 * i)));
    return *this;
}
Writer& Writer::str(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    m_out.append(s);
    return *this;
}

Result<std::string_view> Reader::take(size_t n) {
    if (m_in.size() < n) return error("agent protocol: truncated payload");
    auto v = m_in.substr(0, n);
    m_in.remove_prefix(n);
    return v;
}
Result<uint8_t> Reader::u8() {
    auto b = STRATA_TRY(take(1));
    return static_cast<uint8_t>(b[0]);
}
Result<uint32_t> Reader::u32() {
    auto b = STRATA_TRY(take(4));
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= uint32_t(static_cast<uint8_t>(b[i])) << (8 * i);
    return v;
}
Result<uint64_t> Reader::u64() {
    auto b = STRATA_TRY(take(8));
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t(static_cast<uint8_t>(b[i])) << (8 * i);
    return v;
}
Result<int32_t> Reader::i32() { return static_cast<int32_t>(STRATA_TRY(u32())); }
Result<std::string> Reader::str() {
    uint32_t n = STRATA_TRY(u32());
    return std::string(STRATA_TRY(take(n)));
}

std::string encode(const StartConfig& c) {
    Writer w;
    w.u8(static_cast<uint8_t>(c.rootfs))
        .str(c.rootfs_source)
        .str(c.spec)
        .u32(c.writable_mib)
        .u8(c.start_at_once ? 1 : 0)
        .u8(c.trace ? 1 : 0)
        .u32(c.output_window)
        .str(c.entropy)
        .u64(c.realtime_ns);
    w.u32(static_cast<uint32_t>(c.nics.size()));
    for (const auto& n : c.nics) {
        w.str(n.device_mac).str(n.mac).str(n.name).u32(n.mtu);
        w.u32(static_cast<uint32_t>(n.addresses.size()));
        for (const auto& a : n.addresses) w.u8(a.family).u8(a.prefix).str(a.bytes);
        w.u32(static_cast<uint32_t>(n.routes.size()));
        for (const auto& r : n.routes) w.u8(r.family).u8(r.dst_len).u8(r.scope).str(r.dst).str(r.gateway).u32(r.priority);
    }
    return w.take();
}

Result<StartConfig> decode_start_config(std::string_view payload) {
    Reader r(payload);
    StartConfig c;
    uint8_t kind = STRATA_TRY(r.u8());
    if (kind != uint8_t(RootfsKind::erofs) && kind != uint8_t(RootfsKind::initramfs))
        return error("agent protocol: unknown rootfs kind " + std::to_string(kind));
    c.rootfs = static_cast<RootfsKind>(kind);
    c.rootfs_source = STRATA_TRY(r.str());
    c.spec = STRATA_TRY(r.str());
    c.writable_mib = STRATA_TRY(r.u32());
    c.start_at_once = STRATA_TRY(r.u8()) != 0;
    c.trace = STRATA_TRY(r.u8()) != 0;
    c.output_window = STRATA_TRY(r.u32());
    c.entropy = STRATA_TRY(r.str());
    c.realtime_ns = STRATA_TRY(r.u64());
    uint32_t nics = STRATA_TRY(r.u32());
    for (uint32_t i = 0; i < nics; ++i) {
        NicConfig n;
        n.device_mac = STRATA_TRY(r.str());
        n.mac = STRATA_TRY(r.str());
        n.name = STRATA_TRY(r.str());
        n.mtu = STRATA_TRY(r.u32());
        if (n.device_mac.size() != 6 || n.mac.size() != 6) return error("agent protocol: a NIC's MAC is not 6 bytes");
        uint32_t count = STRATA_TRY(r.u32());
        for (uint32_t j = 0; j < count; ++j) {
            NicConfig::Address a;
            a.family = STRATA_TRY(r.u8());
            a.prefix = STRATA_TRY(r.u8());
            a.bytes = STRATA_TRY(r.str());
            n.addresses.push_back(std::move(a));
        }
        count = STRATA_TRY(r.u32());
        for (uint32_t j = 0; j < count; ++j) {
            NicConfig::Route rt;
            rt.family = STRATA_TRY(r.u8());
            rt.dst_len = STRATA_TRY(r.u8());
            rt.scope = STRATA_TRY(r.u8());
            rt.dst = STRATA_TRY(r.str());
            rt.gateway = STRATA_TRY(r.str());
            rt.priority = STRATA_TRY(r.u32());
            n.routes.push_back(std::move(rt));
        }
        c.nics.push_back(std::move(n));
    }
    // Less than one full frame would stop the output for good.
    if (main_output_window(c.output_window) < output_cost(kMaxData))
        return error("agent protocol: output window " + std::to_string(c.output_window) + " is smaller than one frame (" +
                     std::to_string(output_cost(kMaxData)) + ")");
    return c;
}

std::string encode(const ExitStatus& s) { return Writer().u8(s.signaled ? 1 : 0).i32(s.value).take(); }

Result<ExitStatus> decode_exit(std::string_view payload) {
    Reader r(payload);
    ExitStatus s;
    s.signaled = STRATA_TRY(r.u8()) != 0;
    s.value = STRATA_TRY(r.i32());
    // shell_status() maps these to 0..255 and 129..192; anything else is no status a Linux
    // process can have, from a guest that is broken or hostile.
    bool ok = s.signaled ? s.value >= 1 && s.value <= 64 : s.value >= 0 && s.value <= 255;
    if (!ok)
        return error(std::string("agent protocol: the guest reported an impossible exit status (") +
                     (s.signaled ? "signal " : "code ") + std::to_string(s.value) + ")");
    return s;
}

std::string encode(const Hello& h) { return Writer().u64(h.uptime_us).str(h.version).take(); }

Result<Hello> decode_hello(std::string_view payload) {
    Reader r(payload);
    Hello h;
    h.uptime_us = STRATA_TRY(r.u64());
    h.version = STRATA_TRY(r.str());
    return h;
}

std::string encode_error(const Error& e) { return Writer().i32(e.code).str(e.context).take(); }

Result<> check_version(const Hello& h) {
    if (h.version == kVersion) return {};
    return error("the guest agent speaks protocol " + quote(h.version) + ", this strata speaks " + quote(kVersion) +
                 " (an agent from another build: rebuild or reinstall strata-agent)");
}

Error decode_error(std::string_view payload) {
    Reader r(payload);
    auto code = r.i32();
    auto context = r.str();
    if (!code || !context) return Error{0, "agent protocol: malformed error message"};
    return Error{*code, *context};
}

std::string header(Msg type, size_t size) {
    std::string h = Writer().u32(static_cast<uint32_t>(size)).u8(static_cast<uint8_t>(type)).take();
    h.append(3, '\0');
    return h;
}

Result<std::optional<Frame>> FrameParser::next() {
    std::string_view avail(m_buf.data() + m_pos, m_buf.size() - m_pos);
    if (avail.size() < kHeaderSize) return std::optional<Frame>{};
    Reader r(avail);
    uint32_t size = STRATA_TRY(r.u32());
    uint8_t type = STRATA_TRY(r.u8());
    if (size > kMaxPayload)
        return error("agent protocol: frame of " + std::to_string(size) + " bytes is over the limit");
    if (avail.size() < kHeaderSize + size) return std::optional<Frame>{};
    Frame f{static_cast<Msg>(type), std::string(avail.substr(kHeaderSize, size))};
    m_pos += kHeaderSize + size;
    // Compact once the consumed prefix dominates, so a long stream never grows the buffer.
    if (m_pos > 64 * 1024 && m_pos * 2 > m_buf.size()) {
        m_buf.erase(0, m_pos);
        m_pos = 0;
    }
    return std::optional<Frame>{std::move(f)};
}

}  // namespace strata::vm::agent
