#include "vm/protocol/guest_query.h"

#include "vm/protocol/agent_protocol.h"

namespace strata::vm::agent {

std::string encode_processes(const GuestProcesses& ps) {
    Writer w;
    w.u64(ps.uptime_ms).str(ps.pid_ns);
    w.u32(static_cast<uint32_t>(ps.list.size()));
    for (const auto& p : ps.list) {
        w.u32(p.pid).u32(p.ppid);
        for (uint32_t id : p.uids) w.u32(id);
        for (uint32_t id : p.gids) w.u32(id);
        w.u8(static_cast<uint8_t>(p.state)).u32(p.threads);
        w.u64(p.rss_kib).u64(p.vsize_kib).u64(p.cpu_ms).u64(p.started_ms).str(p.comm);
        w.u32(static_cast<uint32_t>(p.args.size()));
        for (const auto& a : p.args) w.str(a);
    }
    return w.take();
}

Result<GuestProcesses> decode_processes(std::string_view payload) {
    Reader r(payload);
    GuestProcesses ps;
    ps.uptime_ms = STRATA_TRY(r.u64());
    ps.pid_ns = STRATA_TRY(r.str());
    uint32_t n = STRATA_TRY(r.u32());
    for (uint32_t i = 0; i < n; ++i) {
        GuestProcess p;
        p.pid = STRATA_TRY(r.u32());
        p.ppid = STRATA_TRY(r.u32());
        for (uint32_t& id : p.uids) id = STRATA_TRY(r.u32());
        for (uint32_t& id : p.gids) id = STRATA_TRY(r.u32());
        p.state = static_cast<char>(STRATA_TRY(r.u8()));
        p.threads = STRATA_TRY(r.u32());
        p.rss_kib = STRATA_TRY(r.u64());
        p.vsize_kib = STRATA_TRY(r.u64());
        p.cpu_ms = STRATA_TRY(r.u64());
        p.started_ms = STRATA_TRY(r.u64());
        p.comm = STRATA_TRY(r.str());
        uint32_t argc = STRATA_TRY(r.u32());
        for (uint32_t a = 0; a < argc; ++a) p.args.push_back(STRATA_TRY(r.str()));
        ps.list.push_back(std::move(p));
    }
    return ps;
}

std::string encode_files(const CgroupFiles& files) {
    Writer w;
    w.u32(static_cast<uint32_t>(files.size()));
    for (const auto& [name, text] : files) w.str(name).str(text);
    return w.take();
}

Result<CgroupFiles> decode_files(std::string_view payload) {
    Reader r(payload);
    uint32_t n = STRATA_TRY(r.u32());
    CgroupFiles files;
    for (uint32_t i = 0; i < n; ++i) {
        std::string name = STRATA_TRY(r.str());
        files[name] = STRATA_TRY(r.str());
    }
    return files;
}

}  // namespace strata::vm::agent
