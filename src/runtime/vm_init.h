#pragma once
// The vm substrate's init: the container's init process becomes the micro-VM monitor.

#include "runtime/init.h"
#include "runtime/init_channel.h"
#include "vm/protocol/spec_codec.h"

namespace strata::runtime {

[[noreturn]] void run_vm_monitor(InitContext& ctx, InitChannel& channel);

// What the init gives the guest, for a VM's workload and a pod VM's further container alike
// (runtime/vm_pod_member.h):
// linux.seccomp as create compiled it, which the agent loads.
std::optional<vm::agent::GuestFilter> guest_filter(const InitContext& ctx);
// The state JSON the startContainer hooks get in the guest ("" without such hooks).
std::string guest_hook_state(const InitContext& ctx);
// process.terminal: the guest makes the process's pty; the engine gets (at --console-socket) the
// master of a raw host pty whose slave becomes this process's stdio and controlling terminal, so
// a resize of the master reaches it as SIGWINCH and goes to the guest. Returns the slave.
Result<UniqueFd> host_terminal_for_guest(InitContext& ctx);
// prestart and createRuntime: the parent (create) runs them in the runtime's namespaces, as for a
// container, while this init waits.
Result<> run_host_create_hooks(const InitContext& ctx);

}  // namespace strata::runtime
