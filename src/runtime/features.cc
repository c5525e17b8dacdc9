#include "runtime/features.h"

#include "rootfs/mount_plan.h"
#include "security/lsm.h"
#include "security/seccomp/features.h"
#include "spec/tables.h"
#include "vm/backend/backend_select.h"

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
    // The vm substrate's backend as `strata info` explains it (values are strings: OCI features
    // annotations are a string map).
    const vm::HostVirt& host = vm::host_virt();
    auto choice = vm::choose_backend(host, "");
    json annotations = {{"org.strata.version", "0.1.0"},
                        {"org.strata.substrates", "container,bare,vm"},
                        {"org.strata.vm.kvm", host.kvm_accelerated() ? "true" : "false"},
                        {"org.strata.vm.backend", !choice ? "unavailable" : choice->kind == vm::BackendKind::own ? "own" : "qemu"},
                        {"org.strata.vm.accelerator", choice && choice->kvm ? "kvm" : "tcg"},
                        {"org.strata.vm.reason", choice ? choice->reason : choice.error().message()},
                        // runc's key, which engines read.
                        {"io.github.seccomp.libseccomp.version", sc.libseccomp_version}};
    return json{
        {"ociVersionMin", "1.0.0"},
        {"ociVersionMax", "1.3.0"},
        {"hooks", {"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"}},
        {"mountOptions", mount_options},
        {"linux",
         {{"namespaces", {"cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"}},
          {"capabilities", caps},
          {"cgroup", {{"v1", true}, {"v2", true}, {"systemd", false}, {"systemdUser", false}, {"rdma", false}}},
          {"seccomp", seccomp},
          // Implemented; whether usable depends on the host running the LSM.
          {"apparmor", {{"enabled", security::apparmor_enabled()}}},
          {"selinux", {{"enabled", security::selinux_enabled()}}},
          {"intelRdt", {{"enabled", false}}},
          // runtime-spec 1.3: netDevices and memoryPolicy are implemented (intelRdt is not).
          {"netDevices", {{"enabled", true}}},
          {"memoryPolicy", {{"modes", {"MPOL_DEFAULT", "MPOL_PREFERRED", "MPOL_BIND", "MPOL_INTERLEAVE", "MPOL_LOCAL",
                                       "MPOL_PREFERRED_MANY", "MPOL_WEIGHTED_INTERLEAVE"}},
                            {"flags", {"MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES", "MPOL_F_STATIC_NODES"}}}},
          {"mountExtensions", {{"idmap", {{"enabled", false}}}}}}},
        {"annotations", annotations},
    };
}

}  // namespace strata::runtime
