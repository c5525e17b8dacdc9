#include "vm/protocol/spec_codec.h"

#include <linux/mount.h>
#include <sys/mount.h>

#include <cstring>

#include "base/strings.h"
#include "spec/tables.h"
#include "vm/protocol/agent_protocol.h"

namespace strata::vm::agent {
namespace {

void strs(Writer& w, const std::vector<std::string>& v) {
    w.u32(static_cast<uint32_t>(v.size()));
    for (const auto& s : v) w.str(s);
}
Result<std::vector<std::string>> strs(Reader& r) {
    uint32_t n = STRATA_TRY(r.u32());
    std::vector<std::string> v;
    for (uint32_t i = 0; i < n; ++i) v.push_back(STRATA_TRY(r.str()));
    return v;
}
// Optional integers: a presence byte, then the value as u64.
template <class T>
void opt(Writer& w, const std::optional<T>& v) {
    w.u8(v ? 1 : 0);
    if (v) w.u64(static_cast<uint64_t>(*v));
}
template <class T>
Result<std::optional<T>> opt(Reader& r) {
    if (!STRATA_TRY(r.u8())) return std::optional<T>{};
    return std::optional<T>{static_cast<T>(STRATA_TRY(r.u64()))};
}

// The plan's MOUNT_ATTR_* -> mount(2) flags.
uint64_t ms_flags(unsigned attr) {
    uint64_t f = 0;
    if (attr & MOUNT_ATTR_RDONLY) f |= MS_RDONLY;
    if (attr & MOUNT_ATTR_NOSUID) f |= MS_NOSUID;
    if (attr & MOUNT_ATTR_NODEV) f |= MS_NODEV;
    if (attr & MOUNT_ATTR_NOEXEC) f |= MS_NOEXEC;
    if (attr & MOUNT_ATTR_NODIRATIME) f |= MS_NODIRATIME;
    if ((attr & MOUNT_ATTR__ATIME) == MOUNT_ATTR_NOATIME) f |= MS_NOATIME;
    if ((attr & MOUNT_ATTR__ATIME) == MOUNT_ATTR_STRICTATIME) f |= MS_STRICTATIME;
    return f;
}

// process: args, env, cwd, user, capabilities as bit sets, rlimits, noNewPrivileges, oomScoreAdj.
Result<> encode_process(Writer& w, const spec::Process& p) {
    strs(w, p.args);
    strs(w, p.env);
    w.str(p.cwd).u32(p.user.uid).u32(p.user.gid);
    opt(w, p.user.umask);
    w.u32(static_cast<uint32_t>(p.user.additional_gids.size()));
    for (auto g : p.user.additional_gids) w.u32(g);
    // Every name strata knows, whatever the host kernel's last capability: the guest's kernel is
    // another one, and the agent drops the bits it does not know.
    security::CapSets caps;
    if (p.capabilities) caps = STRATA_TRY(security::resolve(*p.capabilities, spec::last_known_capability(), nullptr));
    for (uint64_t set : {caps.bounding, caps.effective, caps.inheritable, caps.permitted, caps.ambient}) w.u64(set);
    w.u32(static_cast<uint32_t>(p.rlimits.size()));
    for (const auto& rl : p.rlimits) w.str(rl.type).u64(rl.soft).u64(rl.hard);
    w.u8(p.no_new_privileges ? 1 : 0);
    opt(w, p.oom_score_adj);
    // process.terminal: the guest makes the pty, consoleSize its first size.
    const auto& size = p.console_size;
    w.u8(p.terminal ? 1 : 0).u32(size ? size->height : 0).u32(size ? size->width : 0);
    return {};
}

Result<> decode_process(Reader& r, spec::Process& p, security::CapSets& caps) {
    p.args = STRATA_TRY(strs(r));
    p.env = STRATA_TRY(strs(r));
    p.cwd = STRATA_TRY(r.str());
    p.user.uid = STRATA_TRY(r.u32());
    p.user.gid = STRATA_TRY(r.u32());
    p.user.umask = STRATA_TRY(opt<uint32_t>(r));
    uint32_t n = STRATA_TRY(r.u32());
    for (uint32_t i = 0; i < n; ++i) p.user.additional_gids.push_back(STRATA_TRY(r.u32()));
    for (uint64_t* set : {&caps.bounding, &caps.effective, &caps.inheritable, &caps.permitted, &caps.ambient})
        *set = STRATA_TRY(r.u64());
    n = STRATA_TRY(r.u32());
    for (uint32_t i = 0; i < n; ++i) {
        spec::Rlimit rl;
        rl.type = STRATA_TRY(r.str());
        rl.soft = STRATA_TRY(r.u64());
        rl.hard = STRATA_TRY(r.u64());
        p.rlimits.push_back(std::move(rl));
    }
    p.no_new_privileges = STRATA_TRY(r.u8()) != 0;
    p.oom_score_adj = STRATA_TRY(opt<int32_t>(r));
    p.terminal = STRATA_TRY(r.u8()) != 0;
    uint32_t rows = STRATA_TRY(r.u32()), cols = STRATA_TRY(r.u32());
    if (rows || cols) p.console_size = spec::ConsoleSize{rows, cols};
    if (p.args.empty()) return error("agent protocol: process.args is empty");
    return {};
}

}  // namespace

std::string guest_share_entry(size_t index, const std::string& dir) { return dir + "/" + std::to_string(index); }

std::string guest_member_share_dir(const std::string& name) { return std::string(kGuestShareDir) + "/c/" + name; }

bool plain_name(const std::string& name) {
    return !name.empty() && name.size() <= 255 && name != "." && name != ".." && name.find('/') == std::string::npos &&
           name.find('\0') == std::string::npos;
}

bool guest_tmpfs_bind(const rootfs::MountOp& op) {
    return op.kind == rootfs::MountOp::Kind::bind && op.destination == "/dev/shm";
}

bool uses_share(const std::vector<GuestMount>& mounts) {
    for (const auto& m : mounts)
        if (m.fstype.empty() && (m.flags & MS_BIND)) return true;
    return false;
}

Result<std::string> encode_spec(const spec::Spec& s, uint64_t shm_bytes, const GuestFilter* seccomp,
                                const std::string& hook_state, const std::string& share_dir) {
    // Every filesystem mount (proc, sysfs, tmpfs, devpts, mqueue...), cgroup as the guest's
    // cgroup v2, and the bind mounts from the share. The bundle anchors only bind sources, which
    // the host stages (the guest sees them by index).
    auto ops = STRATA_TRY(rootfs::plan_mounts(s, "/"));
    std::vector<GuestMount> mounts;
    for (size_t i = 0; i < ops.size(); ++i) {
        const auto& op = ops[i];
        if (guest_tmpfs_bind(op)) {
            mounts.push_back({op.destination, "tmpfs", "shm", "mode=1777,size=" + std::to_string(shm_bytes),
                              uint64_t(MS_NOSUID | MS_NODEV | MS_NOEXEC)});
            continue;
        }
        if (op.kind == rootfs::MountOp::Kind::bind) {
            // In the guest the share is one 9p mount: the entry's subtree is one mount there, so
            // rro is ro and rbind is bind.
            mounts.push_back({op.destination, "", guest_share_entry(i, share_dir), "",
                              MS_BIND | ms_flags(op.attr_set | op.rec_attr_set)});
            continue;
        }
        bool cgroup = op.kind == rootfs::MountOp::Kind::cgroup;
        mounts.push_back({op.destination, cgroup ? "cgroup2" : op.fstype, cgroup ? "cgroup2" : op.source,
                          cgroup ? "" : join(op.fs_options, ","), ms_flags(op.attr_set)});
    }
    Writer w;
    w.u8(s.root.readonly ? 1 : 0).str(s.hostname).str(s.domainname);
    w.u32(static_cast<uint32_t>(mounts.size()));
    for (const auto& m : mounts) w.str(m.destination).str(m.fstype).str(m.source).str(m.data).u64(m.flags);
    STRATA_TRY(encode_process(w, *s.process));
    w.u8(seccomp ? 1 : 0);
    if (seccomp) {
        if (seccomp->code.empty() || seccomp->code.size() > kMaxFilterInsns)
            return error("linux.seccomp: a compiled filter of " + std::to_string(seccomp->code.size()) +
                         " instructions (1 to " + std::to_string(kMaxFilterInsns) + " can be loaded)");
        w.u32(seccomp->flags);
        w.str({reinterpret_cast<const char*>(seccomp->code.data()), seccomp->code.size() * sizeof(sock_filter)});
    }
    w.u32(static_cast<uint32_t>(s.hooks.start_container.size()));
    for (const auto& h : s.hooks.start_container) {
        w.str(h.path);
        strs(w, h.args);
        strs(w, h.env);
        opt(w, h.timeout);
    }
    w.str(hook_state);
    w.u8(s.linux ? 1 : 0);
    if (!s.linux) return w.take();
    const spec::Linux& l = *s.linux;
    w.u32(static_cast<uint32_t>(l.namespaces.size()));
    for (const auto& n : l.namespaces) w.str(n.type).str(n.path);
    w.u32(static_cast<uint32_t>(l.devices.size()));
    for (const auto& d : l.devices) {
        w.str(d.type).str(d.path).u64(static_cast<uint64_t>(d.major)).u64(static_cast<uint64_t>(d.minor));
        opt(w, d.file_mode);
        opt(w, d.uid);
        opt(w, d.gid);
    }
    w.u32(static_cast<uint32_t>(l.sysctl.size()));
    for (const auto& [k, v] : l.sysctl) w.str(k).str(v);
    strs(w, l.masked_paths);
    strs(w, l.readonly_paths);
    w.u8(l.resources ? 1 : 0);
    if (l.resources) {
        const auto& r = *l.resources;
        w.u8(r.memory ? 1 : 0);
        if (r.memory) {
            opt(w, r.memory->limit);
            opt(w, r.memory->reservation);
            opt(w, r.memory->swap);
        }
        w.u8(r.cpu ? 1 : 0);
        if (r.cpu) {
            opt(w, r.cpu->shares);
            opt(w, r.cpu->quota);
            opt(w, r.cpu->period);
            w.str(r.cpu->cpus).str(r.cpu->mems);
        }
        opt(w, r.pids_limit);
        w.u8(r.block_io ? 1 : 0);
        if (r.block_io) opt(w, r.block_io->weight);
    }
    return w.take();
}

Result<GuestSpec> decode_spec(std::string_view payload) {
    Reader r(payload);
    GuestSpec g;
    spec::Spec& s = g.spec;
    s.root.readonly = STRATA_TRY(r.u8()) != 0;
    s.hostname = STRATA_TRY(r.str());
    s.domainname = STRATA_TRY(r.str());
    uint32_t n = STRATA_TRY(r.u32());
    for (uint32_t i = 0; i < n; ++i) {
        GuestMount m;
        m.destination = STRATA_TRY(r.str());
        m.fstype = STRATA_TRY(r.str());
        m.source = STRATA_TRY(r.str());
        m.data = STRATA_TRY(r.str());
        m.flags = STRATA_TRY(r.u64());
        g.mounts.push_back(std::move(m));
    }
    STRATA_TRY(decode_process(r, s.process.emplace(), g.caps));
    if (STRATA_TRY(r.u8())) {
        GuestFilter& f = g.seccomp.emplace();
        f.flags = STRATA_TRY(r.u32());
        std::string code = STRATA_TRY(r.str());
        size_t insns = code.size() / sizeof(sock_filter);
        if (code.size() % sizeof(sock_filter) || insns == 0 || insns > kMaxFilterInsns)
            return error("agent protocol: a seccomp filter of " + std::to_string(code.size()) + " bytes");
        f.code.resize(insns);
        std::memcpy(f.code.data(), code.data(), code.size());
    }
    n = STRATA_TRY(r.u32());
    for (uint32_t i = 0; i < n; ++i) {
        spec::Hook h;
        h.path = STRATA_TRY(r.str());
        h.args = STRATA_TRY(strs(r));
        h.env = STRATA_TRY(strs(r));
        h.timeout = STRATA_TRY(opt<int64_t>(r));
        s.hooks.start_container.push_back(std::move(h));
    }
    g.hook_state = STRATA_TRY(r.str());
    if (!STRATA_TRY(r.u8())) return g;
    spec::Linux& l = s.linux.emplace();
    n = STRATA_TRY(r.u32());
    for (uint32_t i = 0; i < n; ++i) {
        spec::Namespace ns;
        ns.type = STRATA_TRY(r.str());
        ns.path = STRATA_TRY(r.str());
        l.namespaces.push_back(std::move(ns));
    }
    n = STRATA_TRY(r.u32());
    for (uint32_t i = 0; i < n; ++i) {
        spec::Device d;
        d.type = STRATA_TRY(r.str());
        d.path = STRATA_TRY(r.str());
        d.major = static_cast<int64_t>(STRATA_TRY(r.u64()));
        d.minor = static_cast<int64_t>(STRATA_TRY(r.u64()));
        d.file_mode = STRATA_TRY(opt<uint32_t>(r));
        d.uid = STRATA_TRY(opt<uint32_t>(r));
        d.gid = STRATA_TRY(opt<uint32_t>(r));
        l.devices.push_back(std::move(d));
    }
    n = STRATA_TRY(r.u32());
    for (uint32_t i = 0; i < n; ++i) {
        std::string k = STRATA_TRY(r.str());
        l.sysctl[k] = STRATA_TRY(r.str());
    }
    l.masked_paths = STRATA_TRY(strs(r));
    l.readonly_paths = STRATA_TRY(strs(r));
    if (STRATA_TRY(r.u8())) {
        auto& res = l.resources.emplace();
        if (STRATA_TRY(r.u8())) {
            auto& m = res.memory.emplace();
            m.limit = STRATA_TRY(opt<int64_t>(r));
            m.reservation = STRATA_TRY(opt<int64_t>(r));
            m.swap = STRATA_TRY(opt<int64_t>(r));
        }
        if (STRATA_TRY(r.u8())) {
            auto& c = res.cpu.emplace();
            c.shares = STRATA_TRY(opt<uint64_t>(r));
            c.quota = STRATA_TRY(opt<int64_t>(r));
            c.period = STRATA_TRY(opt<uint64_t>(r));
            c.cpus = STRATA_TRY(r.str());
            c.mems = STRATA_TRY(r.str());
        }
        res.pids_limit = STRATA_TRY(opt<int64_t>(r));
        if (STRATA_TRY(r.u8())) res.block_io.emplace().weight = STRATA_TRY(opt<uint16_t>(r));
    }
    return g;
}

Result<std::string> encode_exec(const ExecRequest& req) {
    Writer w;
    w.u32(req.session).str(req.user).str(req.container);
    STRATA_TRY(encode_process(w, req.process));
    return w.take();
}

Result<GuestExec> decode_exec(std::string_view payload) {
    Reader r(payload);
    GuestExec e;
    e.session = STRATA_TRY(r.u32());
    e.user = STRATA_TRY(r.str());
    e.container = STRATA_TRY(r.str());
    STRATA_TRY(decode_process(r, e.process, e.caps));
    return e;
}

std::string encode_member(const MemberRequest& req) { return Writer().u32(req.session).str(req.name).str(req.spec).take(); }

Result<MemberRequest> decode_member(std::string_view payload) {
    Reader r(payload);
    MemberRequest m;
    m.session = STRATA_TRY(r.u32());
    m.name = STRATA_TRY(r.str());
    m.spec = STRATA_TRY(r.str());
    return m;
}

}  // namespace strata::vm::agent
