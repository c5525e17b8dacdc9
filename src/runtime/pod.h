#pragma once
// Pods as Kubernetes engines give them to an OCI runtime: the sandbox (the pause container, which
// only holds the pod's namespaces) and the pod's containers, each its own config.json, told apart
// by the engine's annotations (containerd's CRI: io.kubernetes.cri.container-type; CRI-O:
// io.kubernetes.cri-o.ContainerType).
//
// On the vm substrate (a pod annotated org.strata.substrate=vm, which containerd's pod_annotations
// hands to the sandbox and to every container), the sandbox stays a host container: it holds the
// pod's network namespace, which the pod's VM container then takes over (vm/net), and runs nothing
// a VM would isolate. One VM container per pod until the pod VM (docs/design/kubernetes-cri.md).

#include "spec/spec.h"

namespace strata::runtime {

inline constexpr const char* kCriContainerType = "io.kubernetes.cri.container-type";
inline constexpr const char* kCrioContainerType = "io.kubernetes.cri-o.ContainerType";

inline bool is_pod_sandbox(const spec::Spec& spec) {
    return spec.annotation(kCriContainerType) == "sandbox" || spec.annotation(kCrioContainerType) == "sandbox";
}

}  // namespace strata::runtime
