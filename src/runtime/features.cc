#include "runtime/features.h"

#include "rootfs/mount_plan.h"
#include "security/seccomp/features.h"
#include "spec/tables.h"

namespace strata::runtime {

nlohmann::json features() {
    using json = nlohmann::json;
    json caps = json::array();
    for (int c = 0; c <= spec::last_known_capability(); ++c) caps.push_back(spec::capability_name(c));
    json mount_options = json::array();
    for (const auto& o : rootfs::known_mount_options())
        if (o != "idmap" && o != "ridmap") mount_options.push_back(o);  // not implemented yet
    // Probed now: what libseccomp and this kernel support, not what strata was built with.
    auto sc = security::seccomp::probe_support();
    json seccomp = {{"enabled", sc.enabled}};
    if (sc.enabled) {
        seccomp["actions"] = sc.actions;
        seccomp["operators"] = sc.operators;
        seccomp["archs"] = sc.archs;
        seccomp["knownFlags"] = sc.known_flags;
        seccomp["supportedFlags"] = sc.supported_flags;
    }
    return json{
        {"ociVersionMin", "1.0.0"},
        {"ociVersionMax", "1.2.0"},
        {"hooks", json::array()},
        {"mountOptions", mount_options},
        {"linux",
         {{"namespaces", {"cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"}},
          {"capabilities", caps},
          {"cgroup", {{"v1", false}, {"v2", false}, {"systemd", false}, {"systemdUser", false}, {"rdma", false}}},
          {"seccomp", seccomp},
          {"apparmor", {{"enabled", false}}},
          {"selinux", {{"enabled", false}}},
          {"intelRdt", {{"enabled", false}}},
          {"mountExtensions", {{"idmap", {{"enabled", false}}}}}}},
        {"annotations",
         {{"org.strata.version", "0.1.0"}, {"org.strata.substrates", "container"},
          // runc's key, which engines read.
          {"io.github.seccomp.libseccomp.version", sc.libseccomp_version}}},
    };
}

}  // namespace strata::runtime
