#pragma once
// What a micro-VM runs with on this host (a backend, the guest kernel, the agent), resolved in
// one place for the monitor's prepare and for preflight, so the two cannot drift apart.
//
// preflight: the checks a micro-VM's create fails on first, made without building or launching
// anything. For a pod's sandbox on the vm substrate (runtime/pod.h): the sandbox itself stays a
// host container, but a pod whose VMs cannot start must fail RunPodSandbox, naming why, instead
// of reporting READY and failing each CreateContainer later.

#include <string>

#include "base/result.h"
#include "spec/spec.h"
#include "vm/assets/assets.h"
#include "vm/backend/backend_select.h"
#include "vm/monitor/plan.h"

namespace strata::vm {

struct HostParts {
    BackendChoice choice;
    Kernel kernel;
    std::string agent;  // the agent binary's path
};

// `share`: the VM has a file share (config.json's bind mounts), so the kernel needs 9p.
Result<HostParts> find_host_parts(const VmPlan& plan, bool share);

// The plan from config.json's annotations and the flags, then find_host_parts. `share`: the VMs
// will have a file share (a pod's containers always get the engine's bind mounts: /etc/hosts,
// /etc/resolv.conf, /dev/shm), so the backend must have a share device too.
Result<> preflight(const spec::Spec& spec, const std::string& kernel_flag, const std::string& backend_flag, bool share);

}  // namespace strata::vm
