#include "runtime/vm_init.h"

#include <unistd.h>

#include "base/log.h"
#include "runtime/pod.h"
#include "runtime/sync.h"
#include "runtime/terminal.h"
#include "runtime/vm_pod_member.h"
#include "vm/monitor/monitor.h"

namespace strata::runtime {

std::optional<vm::agent::GuestFilter> guest_filter(const InitContext& ctx) {
    if (!ctx.seccomp) return std::nullopt;
    return vm::agent::GuestFilter{ctx.seccomp->flags, ctx.seccomp->code};
}

std::string guest_hook_state(const InitContext& ctx) {
    if (ctx.spec->hooks.start_container.empty()) return "";
    auto state = nlohmann::json::parse(ctx.hook_state);
    state["status"] = "created";
    return state.dump();
}

Result<UniqueFd> host_terminal_for_guest(InitContext& ctx) {
    Pty pty = STRATA_TRY(with_context(open_raw_host_pty(ctx.spec->process->console_size), "terminal"));
    STRATA_TRY(send_master(ctx.console_fd, pty));
    ::close(ctx.console_fd);
    ctx.console_fd = -1;
    STRATA_TRY(make_controlling(pty.slave.get()));
    return std::move(pty.slave);
}

Result<> run_host_create_hooks(const InitContext& ctx) {
    STRATA_TRY(sync::send(ctx.sync_fd, sync::kHooks));
    STRATA_TRY(sync::expect(ctx.sync_fd, sync::kContinue, "the createRuntime hooks ran"));
    return {};
}

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
    o.seccomp = guest_filter(ctx);
    if (ctx.spec->process->terminal && ctx.console_fd >= 0) {
        // The monitor's SIGWINCH goes to the guest as `resize` (vm/monitor/relay); its fds 0-2
        // keep the slave open.
        auto tty = host_terminal_for_guest(ctx);
        if (!tty) channel.fail(tty.error());
        o.terminal = true;
    }
    if (ctx.opts->preserve_fds > 0)
        log::warn("vm: --preserve-fds: host file descriptors cannot be passed into the VM; ignored");
    o.hook_state = guest_hook_state(ctx);
    vm::MonitorHooks h;
    if (host_create_hooks) h.create_hooks = [&] { return run_host_create_hooks(ctx); };
    h.ready = [&] { return channel.ready(); };
    h.wait_for_go = [&] { return channel.wait_for_go(); };
    h.started = [&] { channel.started(); };
    h.fail = [&](const Error& e) { channel.fail(e); };
    vm::run_monitor(o, h);
}

}  // namespace strata::runtime
