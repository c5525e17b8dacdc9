#include "runtime/vm_init.h"

#include <unistd.h>

#include "base/log.h"
#include "runtime/pod.h"
#include "runtime/sync.h"
#include "runtime/terminal.h"
#include "runtime/vm_pod_member.h"
#include "vm/monitor/monitor.h"

namespace strata::runtime {

void run_vm_monitor(InitContext& ctx, InitChannel& channel) {
    if (!ctx.pod_sandbox.empty()) run_vm_pod_member(ctx, channel);
    vm::MonitorOptions o;
    o.pod_sandbox = is_pod_sandbox(*ctx.spec);
    o.spec = ctx.spec;
    o.rootfs = ctx.rootfs;
    o.bundle = ctx.opts->bundle;
    // Inside the state directory, so `delete` removes it with the rest of the container.
    o.work_dir = ctx.opts->root + "/" + ctx.opts->id + "/vm";
    o.kernel = ctx.opts->vm_kernel;
    o.backend = ctx.opts->vm_backend;
    o.template_mode = ctx.opts->vm_template;
    const auto& hooks = ctx.spec->hooks;
    const bool host_create_hooks = !hooks.prestart.empty() || !hooks.create_runtime.empty();
    // The workload must not exec before the prestart and createRuntime hooks ran.
    o.start_at_once = ctx.opts->for_run && !host_create_hooks;
    if (ctx.seccomp) o.seccomp = vm::agent::GuestFilter{ctx.seccomp->flags, ctx.seccomp->code};
    if (ctx.spec->process->terminal && ctx.console_fd >= 0) {
        // The guest makes the workload's pty; the engine gets the master of a raw host pty whose
        // slave is the monitor's stdio and controlling terminal, so a resize of the master
        // reaches the monitor as SIGWINCH and goes to the guest as `resize` (vm/monitor/relay).
        auto tty = [&]() -> Result<> {
            Pty pty = STRATA_TRY(with_context(open_raw_host_pty(ctx.spec->process->console_size), "terminal"));
            STRATA_TRY(send_master(ctx.console_fd, pty));
            ::close(ctx.console_fd);
            ctx.console_fd = -1;
            return make_controlling(pty.slave.get());
        }();
        if (!tty) channel.fail(tty.error());
        o.terminal = true;
    }
    if (ctx.opts->preserve_fds > 0)
        log::warn("vm: --preserve-fds: host file descriptors cannot be passed into the VM; ignored");
    if (!hooks.start_container.empty()) {
        auto state = nlohmann::json::parse(ctx.hook_state);
        state["status"] = "created";
        o.hook_state = state.dump();
    }
    vm::MonitorHooks h;
    if (host_create_hooks)
        h.create_hooks = [&]() -> Result<> {
            // The parent (create) runs them in the runtime's namespaces, as for a container.
            STRATA_TRY(sync::send(ctx.sync_fd, sync::kHooks));
            STRATA_TRY(sync::expect(ctx.sync_fd, sync::kContinue, "the createRuntime hooks ran"));
            return {};
        };
    h.ready = [&] { return channel.ready(); };
    h.wait_for_go = [&] { return channel.wait_for_go(); };
    h.started = [&] { channel.started(); };
    h.fail = [&](const Error& e) { channel.fail(e); };
    vm::run_monitor(o, h);
}

}  // namespace strata::runtime
