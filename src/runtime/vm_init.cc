#include "runtime/vm_init.h"

#include <unistd.h>

#include "base/log.h"
#include "vm/monitor/monitor.h"

namespace strata::runtime {

void run_vm_monitor(InitContext& ctx, InitChannel& channel) {
    vm::MonitorOptions o;
    o.spec = ctx.spec;
    o.rootfs = ctx.rootfs;
    // Inside the state directory, so `delete` removes it with the rest of the container.
    o.work_dir = ctx.opts->root + "/" + ctx.opts->id + "/vm";
    o.kernel = ctx.opts->vm_kernel;
    o.backend = ctx.opts->vm_backend;
    o.start_at_once = ctx.opts->for_run;
    if (ctx.opts->preserve_fds > 0)
        log::warn("vm: --preserve-fds: host file descriptors cannot be passed into the VM; ignored");
    vm::MonitorHooks h;
    h.ready = [&] { return channel.ready(); };
    h.wait_for_go = [&] { return channel.wait_for_go(); };
    h.started = [&] { channel.started(); };
    h.fail = [&](const Error& e) { channel.fail(e); };
    vm::run_monitor(o, h);
}

}  // namespace strata::runtime
