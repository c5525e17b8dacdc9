#pragma once
// Pods as Kubernetes engines give them to an OCI runtime: the sandbox (the pause container, which
// only holds the pod's namespaces) and the pod's containers, each its own config.json, told apart
// by the engine's annotations (containerd's CRI: io.kubernetes.cri.container-type; CRI-O:
// io.kubernetes.cri-o.ContainerType).
//
// On the vm substrate (a pod annotated org.strata.substrate=vm, which containerd's pod_annotations
// hands to the sandbox and to every container), the sandbox is the pod's VM, as in Kata: it takes
// over the pod's network namespace (vm/net) and runs the pause process as its workload; each
// further container of the pod, which names its sandbox, runs in that VM beside it
// (vm/share/member_share.h, guest/agent/member.h; docs/design/kubernetes-cri.md).

#include "spec/spec.h"

namespace strata::runtime {

inline constexpr const char* kCriContainerType = "io.kubernetes.cri.container-type";
inline constexpr const char* kCrioContainerType = "io.kubernetes.cri-o.ContainerType";
inline constexpr const char* kCriSandboxId = "io.kubernetes.cri.sandbox-id";
inline constexpr const char* kCrioSandboxId = "io.kubernetes.cri-o.SandboxID";

inline bool is_pod_sandbox(const std::map<std::string, std::string>& annotations) {
    for (const char* key : {kCriContainerType, kCrioContainerType})
        if (auto it = annotations.find(key); it != annotations.end() && it->second == "sandbox") return true;
    return false;
}
inline bool is_pod_sandbox(const spec::Spec& spec) { return is_pod_sandbox(spec.annotations); }

// The sandbox a pod's container names ("" for a sandbox, or a container outside a pod).
inline std::string pod_sandbox_of(const spec::Spec& spec) {
    if (is_pod_sandbox(spec)) return "";
    std::string id = spec.annotation(kCriSandboxId);
    return id.empty() ? spec.annotation(kCrioSandboxId) : id;
}

}  // namespace strata::runtime
