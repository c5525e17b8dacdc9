#pragma once
// The names config.json uses for seccomp (SCMP_ACT_*, SCMP_CMP_*, SCMP_ARCH_*,
// SECCOMP_FILTER_FLAG_*) and their values. One table each, shared by the filter compiler and
// `strata features`.

#include <seccomp.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata::security::seccomp {

struct ActionName {
    const char* name;     // "SCMP_ACT_ERRNO"
    uint32_t action;      // SCMP_ACT_* without data (== SECCOMP_RET_*)
    bool takes_errno;     // ERRNO and TRACE carry errnoRet in their low 16 bits
};
const std::vector<ActionName>& actions();
const ActionName* find_action(std::string_view name);

struct OperatorName {
    const char* name;  // "SCMP_CMP_MASKED_EQ"
    scmp_compare op;
};
const std::vector<OperatorName>& operators();
std::optional<scmp_compare> find_operator(std::string_view name);

// The architecture names of the OCI spec (SCMP_ARCH_X86_64, ...), in its order.
const std::vector<std::string>& architecture_names();
// libseccomp's token for an OCI name ("SCMP_ARCH_X86_64" -> SCMP_ARCH_X86_64); nullopt if this
// libseccomp does not know it. SCMP_ARCH_NATIVE is accepted as well.
std::optional<uint32_t> find_architecture(std::string_view name);

struct FlagName {
    const char* name;  // "SECCOMP_FILTER_FLAG_LOG"
    unsigned flag;     // SECCOMP_FILTER_FLAG_LOG
};
const std::vector<FlagName>& flags();
std::optional<unsigned> find_flag(std::string_view name);

// "2.5.4": the libseccomp in use (the shared library, not the headers).
std::string libseccomp_version();

}  // namespace strata::security::seccomp
