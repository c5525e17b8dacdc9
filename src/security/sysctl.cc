#include "security/sysctl.h"

#include <string_view>

#include "base/strings.h"

namespace strata::security {
namespace {

constexpr std::string_view kIpc[] = {"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
                                     "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"};

bool private_ns(const spec::Spec& s, const char* type) {
    // Created, or joined by path (another container's): either way not the host's.
    return s.has_namespace(type);
}

}  // namespace

Result<> validate_sysctls(const spec::Spec& spec, const std::string& file) {
    if (!spec.linux) return {};
    for (const auto& [key, value] : spec.linux->sysctl) {
        std::string field = file + ": .linux.sysctl[" + quote(key) + "]";
        if (key.empty() || key.find('/') != std::string::npos || key.find("..") != std::string::npos)
            return error(field + ": not a sysctl name");
        bool ipc = key.starts_with("fs.mqueue.");
        for (auto k : kIpc) ipc = ipc || key == k;
        if (ipc) {
            if (!private_ns(spec, "ipc")) return error(field + ": needs a private ipc namespace (it would change the host)");
            continue;
        }
        if (key.starts_with("net.")) {
            if (!private_ns(spec, "network")) return error(field + ": needs a private network namespace (it would change the host)");
            continue;
        }
        if (key == "kernel.domainname") {
            if (!private_ns(spec, "uts")) return error(field + ": needs a private uts namespace (it would change the host)");
            continue;
        }
        if (key == "kernel.hostname") return error(field + ": set the hostname with the hostname field instead");
        return error(field + ": not a namespaced sysctl: it would change the host for every process");
    }
    return {};
}

}  // namespace strata::security
