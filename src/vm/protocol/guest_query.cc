#include "vm/protocol/guest_query.h"

#include "vm/protocol/agent_protocol.h"

namespace strata::vm::agent {

std::string encode_processes(const std::vector<GuestProcess>& ps) {
    Writer w;
    w.u32(static_cast<uint32_t>(ps.size()));
    for (const auto& p : ps) {
        w.u32(p.pid).u32(p.ppid).u32(p.uid).u32(p.gid).u8(static_cast<uint8_t>(p.state));
        w.u64(p.rss_kib).u64(p.cpu_ms).u64(p.started_ms).str(p.comm);
        w.u32(static_cast<uint32_t>(p.args.size()));
        for (const auto& a : p.args) w.str(a);
    }
    return w.take();
}

Result<std::vector<GuestProcess>> decode_processes(std::string_view payload) {
    Reader r(payload);
    uint32_t n = STRATA_TRY(r.u32());
    std::vector<GuestProcess> ps;
    for (uint32_t i = 0; i < n; ++i) {
        GuestProcess p;
        p.pid = STRATA_TRY(r.u32());
        p.ppid = STRATA_TRY(r.u32());
        p.uid = STRATA_TRY(r.u32());
        p.gid = STRATA_TRY(r.u32());
        p.state = static_cast<char>(STRATA_TRY(r.u8()));
        p.rss_kib = STRATA_TRY(r.u64());
        p.cpu_ms = STRATA_TRY(r.u64());
        p.started_ms = STRATA_TRY(r.u64());
        p.comm = STRATA_TRY(r.str());
        uint32_t argc = STRATA_TRY(r.u32());
        for (uint32_t a = 0; a < argc; ++a) p.args.push_back(STRATA_TRY(r.str()));
        ps.push_back(std::move(p));
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
