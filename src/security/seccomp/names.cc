#include "security/seccomp/names.h"

#include <linux/seccomp.h>

#include <cctype>

namespace strata::security::seccomp {

// Older kernel headers lack the newest flag; its value is ABI.
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

const std::vector<ActionName>& actions() {
    // SCMP_ACT_KILL is libseccomp's (and runc's) KILL_THREAD.
    static const std::vector<ActionName> table = {
        {"SCMP_ACT_KILL", SCMP_ACT_KILL, false},
        {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, false},
        {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, false},
        {"SCMP_ACT_TRAP", SCMP_ACT_TRAP, false},
        {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), true},
        {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), true},
        {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, false},
        {"SCMP_ACT_LOG", SCMP_ACT_LOG, false},
        {"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, false},
    };
    return table;
}

const ActionName* find_action(std::string_view name) {
    for (const auto& a : actions())
        if (name == a.name) return &a;
    return nullptr;
}

const std::vector<OperatorName>& operators() {
    static const std::vector<OperatorName> table = {
        {"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT},
        {"SCMP_CMP_LE", SCMP_CMP_LE}, {"SCMP_CMP_EQ", SCMP_CMP_EQ},
        {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
        {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
    };
    return table;
}

std::optional<scmp_compare> find_operator(std::string_view name) {
    for (const auto& o : operators())
        if (name == o.name) return o.op;
    return std::nullopt;
}

const std::vector<std::string>& architecture_names() {
    static const std::vector<std::string> names = {
        "SCMP_ARCH_X86",       "SCMP_ARCH_X86_64",    "SCMP_ARCH_X32",         "SCMP_ARCH_ARM",
        "SCMP_ARCH_AARCH64",   "SCMP_ARCH_MIPS",      "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",
        "SCMP_ARCH_MIPSEL",    "SCMP_ARCH_MIPSEL64",  "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
        "SCMP_ARCH_PPC64",     "SCMP_ARCH_PPC64LE",   "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",
        "SCMP_ARCH_PARISC",    "SCMP_ARCH_PARISC64",  "SCMP_ARCH_RISCV64",     "SCMP_ARCH_LOONGARCH64",
    };
    return names;
}

std::optional<uint32_t> find_architecture(std::string_view name) {
    constexpr std::string_view prefix = "SCMP_ARCH_";
    if (!name.starts_with(prefix) || name.size() == prefix.size()) return std::nullopt;
    if (name == "SCMP_ARCH_NATIVE") return seccomp_arch_native();
    // libseccomp names architectures in lower case without the prefix ("x86_64", "ppc64le").
    std::string lower;
    for (char c : name.substr(prefix.size())) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return std::nullopt;
        lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    uint32_t token = seccomp_arch_resolve_name(lower.c_str());
    if (token == 0) return std::nullopt;
    return token;
}

const std::vector<FlagName>& flags() {
    static const std::vector<FlagName> table = {
        {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
        {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
        {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
        {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
    };
    return table;
}

std::optional<unsigned> find_flag(std::string_view name) {
    for (const auto& f : flags())
        if (name == f.name) return f.flag;
    return std::nullopt;
}

std::string libseccomp_version() {
    const scmp_version* v = seccomp_version();
    return std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->micro);
}

}  // namespace strata::security::seccomp
