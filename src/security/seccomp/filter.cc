#include "security/seccomp/filter.h"

#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <memory>

#include "base/log.h"
#include "base/strings.h"
#include "security/seccomp/enosys.h"
#include "security/seccomp/names.h"
#include "sys/file.h"
#include "sys/seccomp.h"

namespace strata::security::seccomp {
namespace {

constexpr unsigned kMaxArgs = 6;        // a syscall has at most six arguments
constexpr uint32_t kMaxErrno = 4095;    // the kernel's MAX_ERRNO; libseccomp refuses more
constexpr uint32_t kMaxTraceData = 0xffff;

using Ctx = std::unique_ptr<void, decltype(&seccomp_release)>;

struct Where {
    const std::string& file;
    std::unexpected<Error> fail(const std::string& path, const std::string& what) const {
        return std::unexpected(Error{0, file + ": .linux.seccomp" + path + ": " + what});
    }
    // libseccomp reports -errno.
    std::unexpected<Error> fail_rc(int rc, const std::string& path, const std::string& what) const {
        return std::unexpected(Error{-rc, file + ": .linux.seccomp" + path + ": " + what});
    }
};

std::string index_path(const char* field, size_t i) {
    return std::string(".") + field + "[" + std::to_string(i) + "]";
}

// An action name plus errnoRet -> the libseccomp action. `path` names the action field and
// `errno_path` the errnoRet field.
Result<uint32_t> parse_action(const Where& w, const std::string& name, std::optional<uint32_t> errno_ret,
                              const std::string& path, const std::string& errno_path) {
    const ActionName* a = find_action(name);
    if (!a) return w.fail(path, "unknown action " + quote(name));
    if (!a->takes_errno) {
        // The runtime spec: "When the action doesn't support an errno, the runtime MUST print
        // an error and fail."
        if (errno_ret) return w.fail(errno_path, "is only valid with SCMP_ACT_ERRNO and SCMP_ACT_TRACE, not " + name);
        return a->action;
    }
    uint32_t data = errno_ret.value_or(EPERM);
    uint32_t limit = a->action == SCMP_ACT_TRACE(0) ? kMaxTraceData : kMaxErrno;
    if (data > limit) return w.fail(errno_path, "must be at most " + std::to_string(limit));
    return a->action | data;
}

bool is_trace(uint32_t action) { return (action & 0xffff0000U) == SCMP_ACT_TRACE(0); }

// ALLOW, LOG and TRACE let unknown syscalls through anyway; a tracer handles ENOSYS itself.
bool needs_enosys_stub(uint32_t default_action) {
    if (default_action == SCMP_ACT_ALLOW || default_action == SCMP_ACT_LOG || is_trace(default_action))
        return false;
    return default_action != SCMP_ACT_ERRNO(ENOSYS);
}

Result<std::vector<scmp_arg_cmp>> parse_args(const Where& w, const spec::SeccompSyscall& call,
                                             const std::string& path) {
    std::vector<scmp_arg_cmp> out;
    for (size_t j = 0; j < call.args.size(); ++j) {
        const auto& a = call.args[j];
        std::string p = path + index_path("args", j);
        if (a.index >= kMaxArgs) return w.fail(p + ".index", "must be below " + std::to_string(kMaxArgs));
        auto op = find_operator(a.op);
        if (!op) return w.fail(p + ".op", "unknown operator " + quote(a.op));
        // For SCMP_CMP_MASKED_EQ `value` is the mask and `valueTwo` the expected result; the
        // other operators compare against `value` alone.
        out.push_back(scmp_arg_cmp{a.index, *op, a.value, a.value_two});
    }
    return out;
}

// The rules of one syscall entry. Conditions on different arguments are ANDed in one rule. If
// two conditions test the same argument, libseccomp cannot AND them, and runc (whose behaviour
// profiles are written against) adds one rule per condition instead, which ORs them: Docker's
// personality entries rely on it.
std::vector<std::vector<scmp_arg_cmp>> rule_sets(const std::vector<scmp_arg_cmp>& conds) {
    bool repeated = false;
    for (size_t i = 0; i < conds.size(); ++i)
        for (size_t j = i + 1; j < conds.size(); ++j) repeated = repeated || conds[i].arg == conds[j].arg;
    if (!repeated) return {conds};
    std::vector<std::vector<scmp_arg_cmp>> sets;
    for (const auto& c : conds) sets.push_back({c});
    return sets;
}

Result<std::vector<sock_filter>> export_bpf(scmp_filter_ctx ctx) {
    // libseccomp 2.5 exports only to an fd.
    int fd = ::memfd_create("strata-seccomp-bpf", MFD_CLOEXEC);
    if (fd < 0) return os_error(errno, "memfd_create for the seccomp filter");
    UniqueFd owner(fd);
    if (int rc = seccomp_export_bpf(ctx, fd); rc < 0) return os_error(-rc, "export seccomp filter");
    if (::lseek(fd, 0, SEEK_SET) < 0) return os_error(errno, "rewind seccomp filter");
    std::string bytes = STRATA_TRY(sys::read_all(fd, "seccomp filter"));
    if (bytes.size() % sizeof(sock_filter) != 0) return error("export seccomp filter: torn instruction");
    std::vector<sock_filter> code(bytes.size() / sizeof(sock_filter));
    std::copy(bytes.begin(), bytes.end(), reinterpret_cast<char*>(code.data()));
    return code;
}

// The largest syscall number the profile names, per architecture of the filter.
std::vector<ArchMax> syscall_maxima(const spec::Seccomp& config, const std::vector<uint32_t>& arches) {
    std::vector<ArchMax> out;
    for (uint32_t arch : arches) {
        int max = -1;
        for (const auto& call : config.syscalls)
            for (const auto& name : call.names)
                max = std::max(max, seccomp_syscall_resolve_name_arch(arch, name.c_str()));
        if (max >= 0) out.push_back({arch, static_cast<uint32_t>(max)});
    }
    return out;
}

}  // namespace

bool Program::notifies() const { return flags & SECCOMP_FILTER_FLAG_NEW_LISTENER; }

Result<Program> compile(const spec::Seccomp& config, const std::string& file) {
    Where w{file};
    Program prog;
    uint32_t default_action = STRATA_TRY(parse_action(w, config.default_action, config.default_errno_ret,
                                                      ".defaultAction", ".defaultErrnoRet"));
    // Every syscall strata itself makes after loading the filter would wait for an agent that
    // has not got the notify fd yet (runc refuses it too).
    if (default_action == SCMP_ACT_NOTIFY) return w.fail(".defaultAction", "SCMP_ACT_NOTIFY cannot be the default action");
    if (!config.listener_metadata.empty() && config.listener_path.empty())
        return w.fail(".listenerMetadata", "must not be set without listenerPath");
    if (!config.listener_path.empty() && !config.listener_path.starts_with('/'))
        return w.fail(".listenerPath", "must be an absolute path, not " + quote(config.listener_path));
    prog.listener_path = config.listener_path;
    prog.listener_metadata = config.listener_metadata;

    Ctx ctx(seccomp_init(default_action), &seccomp_release);
    if (!ctx) return w.fail(".defaultAction", "libseccomp refused the default action " + quote(config.default_action));

    std::vector<uint32_t> arches = {seccomp_arch_native()};
    for (size_t i = 0; i < config.architectures.size(); ++i) {
        const std::string& name = config.architectures[i];
        auto arch = find_architecture(name);
        if (!arch) return w.fail(index_path("architectures", i), "unknown architecture " + quote(name));
        int rc = seccomp_arch_add(ctx.get(), *arch);
        if (rc == -EEXIST) continue;  // the native one, or listed twice
        if (rc == -EDOM)  // libseccomp cannot mix byte orders in one filter
            return w.fail(index_path("architectures", i), name + " cannot be filtered on this host (other byte order)");
        if (rc < 0) return w.fail_rc(rc, index_path("architectures", i), "add architecture " + name);
        arches.push_back(*arch);
    }

    for (size_t i = 0; i < config.flags.size(); ++i) {
        auto flag = find_flag(config.flags[i]);
        if (!flag) return w.fail(index_path("flags", i), "unknown flag " + quote(config.flags[i]));
        prog.flags |= *flag;
    }

    // libseccomp's binary tree makes long allow-lists cheaper per syscall (runc does the same
    // above 32 names; libseccomp <= 2.5.4 misbehaves with the tree and no rules).
    size_t names = 0;
    for (const auto& call : config.syscalls) names += call.names.size();
    if (names > 32) (void)seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2);

    bool notify = false;
    for (size_t i = 0; i < config.syscalls.size(); ++i) {
        const auto& call = config.syscalls[i];
        std::string path = index_path("syscalls", i);
        if (call.names.empty()) return w.fail(path + ".names", "must name at least one syscall");
        uint32_t action = STRATA_TRY(parse_action(w, call.action, call.errno_ret, path + ".action", path + ".errnoRet"));
        auto conds = STRATA_TRY(parse_args(w, call, path));
        if (action == SCMP_ACT_NOTIFY) {
            if (config.listener_path.empty()) return w.fail(path + ".action", "SCMP_ACT_NOTIFY needs .linux.seccomp.listenerPath");
            // strata hands the notify fd over with sendmsg right after loading the filter.
            if (std::find(call.names.begin(), call.names.end(), "sendmsg") != call.names.end())
                return w.fail(path + ".action", "SCMP_ACT_NOTIFY cannot be used for sendmsg: strata passes the notify fd on with it");
        }
        // libseccomp refuses rules that repeat the default action; they change nothing.
        if (action == default_action) continue;
        for (size_t n = 0; n < call.names.size(); ++n) {
            const std::string& name = call.names[n];
            int nr = seccomp_syscall_resolve_name(name.c_str());
            if (nr == __NR_SCMP_ERROR) {
                prog.skipped.push_back(name);
                continue;
            }
            for (const auto& set : rule_sets(conds)) {
                int rc = seccomp_rule_add_array(ctx.get(), action, nr, static_cast<unsigned>(set.size()), set.data());
                if (rc < 0) return w.fail_rc(rc, path + index_path("names", n), "add rule for " + quote(name));
            }
            if (action == SCMP_ACT_NOTIFY) notify = true;
        }
    }
    if (!prog.skipped.empty())
        log::warn("seccomp: skipped syscalls unknown to libseccomp " + libseccomp_version() + ": " + join(prog.skipped, ", "));

    if (notify) {
        prog.flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
        // TSYNC and NEW_LISTENER together are refused unless TSYNC failures are reported as
        // ESRCH (the fd takes the return value). The init is single-threaded anyway.
        if (prog.flags & SECCOMP_FILTER_FLAG_TSYNC) prog.flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
    } else if (auto wkr = find_flag("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"); prog.flags & *wkr) {
        // It only changes how a notified syscall waits; with no listener there are none, and the
        // kernel refuses the flag without one.
        prog.flags &= ~*wkr;
    }
    for (size_t i = 0; i < config.flags.size(); ++i) {
        unsigned f = *find_flag(config.flags[i]);
        if (!(prog.flags & f)) continue;
        unsigned probe = f | (prog.flags & (SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_TSYNC_ESRCH));
        if (!sys::seccomp_flags_supported(probe))
            return w.fail(index_path("flags", i), config.flags[i] + " is not supported by this kernel");
    }

    std::vector<sock_filter> code = STRATA_TRY(export_bpf(ctx.get()));
    if (needs_enosys_stub(default_action)) code = prepend_enosys_stub(code, syscall_maxima(config, arches));
    if (code.size() > BPF_MAXINSNS)
        return w.fail("", "the filter has " + std::to_string(code.size()) + " instructions; the kernel takes at most " + std::to_string(BPF_MAXINSNS));
    prog.code = std::move(code);
    return prog;
}

Result<UniqueFd> load(const Program& program) {
    return sys::seccomp_set_filter(program.code, program.flags);
}

}  // namespace strata::security::seccomp
