#pragma once
// The checks a micro-VM's create fails on first, made without building or launching anything:
// its plan (the org.strata.vm.* annotations), a backend this host can run, the guest kernel and
// the agent. For a pod's sandbox on the vm substrate (runtime/pod.h): the sandbox itself stays a
// host container, but a pod whose VMs cannot start must fail RunPodSandbox, naming why, instead
// of reporting READY and failing each CreateContainer later.

#include <string>

#include "base/result.h"
#include "spec/spec.h"

namespace strata::vm {

// `share`: the VMs will have a file share (a pod's containers always get the engine's bind
// mounts: /etc/hosts, /etc/resolv.conf, /dev/shm), so the kernel needs 9p and the backend a
// share device.
Result<> preflight(const spec::Spec& spec, const std::string& kernel_flag, const std::string& backend_flag, bool share);

}  // namespace strata::vm
