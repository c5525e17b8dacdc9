#pragma once
// linux.seccomp -> a BPF program, compiled with libseccomp before the container's init is cloned
// (so a bad profile fails `create` with the JSON path of the mistake), loaded by the init as its
// last step before exec.

#include <linux/filter.h>

#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "spec/spec.h"

namespace strata::security::seccomp {

struct Program {
    std::vector<sock_filter> code;  // ready for seccomp(2); the -ENOSYS stub included
    unsigned flags = 0;             // SECCOMP_FILTER_FLAG_*; NEW_LISTENER when a rule notifies
    std::string listener_path, listener_metadata;
    // Names this libseccomp does not know (skipped with one warning, as runc does).
    std::vector<std::string> skipped;

    bool notifies() const;
};

// Builds the filter. Errors name `file` and the JSON path:
//   config.json: .linux.seccomp.syscalls[3].action: unknown action "SCMP_ACT_FOO"
// Flags this kernel lacks are an error; so is SCMP_ACT_NOTIFY without a listenerPath.
Result<Program> compile(const spec::Seccomp& config, const std::string& file = "config.json");

// Loads the filter into the calling thread. Without no_new_privs this needs CAP_SYS_ADMIN.
// Returns the notify fd when the filter has SCMP_ACT_NOTIFY rules, an invalid fd otherwise.
Result<UniqueFd> load(const Program& program);

}  // namespace strata::security::seccomp
