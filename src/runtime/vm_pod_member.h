#pragma once
// The vm substrate's init for a pod's further container (runtime/pod.h): instead of a VM of its
// own, the container joins the VM its pod's sandbox runs. At create it reaches that VM's monitor
// (a pod whose VM is gone fails create, saying so) and prepares its rootfs and bind mounts for
// the pod's file share (vm/share/member_share.h); at start it hands them over with its stdio and
// the guest starts it (guest/agent/member.h). A terminal is made as for a VM's own workload. It then stays as the container's process on the
// host, as an exec's proxy does: signals it gets go to the guest process, its exit status is the
// guest process's, and its death (kill -9, delete --force) kills the guest process.

#include "runtime/init.h"
#include "runtime/init_channel.h"

namespace strata::runtime {

[[noreturn]] void run_vm_pod_member(InitContext& ctx, InitChannel& channel);

}  // namespace strata::runtime
