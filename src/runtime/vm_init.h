#pragma once
// The vm substrate's init: the container's init process becomes the micro-VM monitor.

#include "runtime/init.h"
#include "runtime/init_channel.h"

namespace strata::runtime {

[[noreturn]] void run_vm_monitor(InitContext& ctx, InitChannel& channel);

}  // namespace strata::runtime
