#pragma once
// What seccomp support this host really has, for `strata features`: libseccomp's and the
// kernel's answers, probed at runtime.

#include <string>
#include <vector>

namespace strata::security::seccomp {

struct Support {
    bool enabled = false;
    std::vector<std::string> actions;          // SCMP_ACT_* the kernel implements
    std::vector<std::string> operators;        // SCMP_CMP_*
    std::vector<std::string> archs;            // SCMP_ARCH_* this libseccomp knows
    std::vector<std::string> known_flags;      // SECCOMP_FILTER_FLAG_* strata understands
    std::vector<std::string> supported_flags;  // ... that this kernel also accepts
    std::string libseccomp_version;
};

Support probe_support();

}  // namespace strata::security::seccomp
