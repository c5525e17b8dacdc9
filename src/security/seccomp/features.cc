#include "security/seccomp/features.h"

#include <linux/seccomp.h>
#include <seccomp.h>

#include <cerrno>

#include "security/seccomp/names.h"
#include "sys/seccomp.h"

namespace strata::security::seccomp {
namespace {

// Known to libseccomp and usable in a filter for this host (not of the other byte order).
bool arch_usable(uint32_t token) {
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx) return false;
    int rc = seccomp_arch_add(ctx, token);
    seccomp_release(ctx);
    return rc == 0 || rc == -EEXIST;
}

}  // namespace

Support probe_support() {
    Support s;
    s.libseccomp_version = libseccomp_version();
    // seccomp(2) itself: a kernel without CONFIG_SECCOMP_FILTER answers EINVAL to everything.
    s.enabled = sys::seccomp_action_available(SECCOMP_RET_ALLOW);
    for (const auto& a : actions())
        if (s.enabled && sys::seccomp_action_available(a.action)) s.actions.push_back(a.name);
    for (const auto& o : operators()) s.operators.push_back(o.name);
    for (const auto& name : architecture_names())
        if (auto token = find_architecture(name); token && arch_usable(*token)) s.archs.push_back(name);
    for (const auto& f : flags()) {
        s.known_flags.push_back(f.name);
        // WAIT_KILLABLE_RECV is only accepted together with a notify listener.
        unsigned probe = f.flag;
        if (std::string_view(f.name) == "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") probe |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
        if (s.enabled && sys::seccomp_flags_supported(probe)) s.supported_flags.push_back(f.name);
    }
    return s;
}

}  // namespace strata::security::seccomp
