#include "agent/confine.h"

#include "security/exec_guard.h"
#include "security/identity.h"
#include "sys/seccomp.h"
#include "sys/signals.h"

namespace strata::agent {
namespace {

Result<> load(const vm::agent::GuestFilter& f) {
    // The host refused SCMP_ACT_NOTIFY, so there is never a listener fd to keep.
    auto fd = sys::seccomp_set_filter(f.code, f.flags);
    if (!fd) return wrap(fd.error(), "linux.seccomp: the guest kernel refused the filter");
    return {};
}

}  // namespace

Result<> confine_and_exec(const spec::Process& proc, const security::CapSets& caps,
                          const vm::agent::GuestFilter* seccomp, const std::string& executable,
                          const std::vector<std::string>& env) {
    // Loading a filter needs no_new_privs or CAP_SYS_ADMIN. Without no_new_privs it goes in
    // first, while every capability is still there (as runc and the container init do); the
    // profile must then allow the calls up to exec (capset, setgroups, setres[ug]id, prctl,
    // rt_sigaction, rt_sigprocmask, execve).
    const bool seccomp_first = seccomp && !proc.no_new_privileges;
    if (seccomp_first) STRATA_TRY(load(*seccomp));
    STRATA_TRY(security::assume_identity(proc, caps));
    sys::reset_signal_state();
    if (seccomp && !seccomp_first) STRATA_TRY(load(*seccomp));
    return security::exec_direct(executable, proc.args, env);
}

}  // namespace strata::agent
