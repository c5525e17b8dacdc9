#include "runtime/vm_pod_member.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "base/fault.h"
#include "base/log.h"
#include "runtime/exec_vm.h"
#include "runtime/vm_init.h"
#include "sys/clock.h"
#include "sys/file.h"
#include "sys/process.h"
#include "sys/socket.h"
#include "vm/monitor/exec_socket.h"
#include "vm/protocol/agent_protocol.h"
#include "vm/protocol/spec_codec.h"
#include "vm/share/member_share.h"
#include "vm/share/share.h"

namespace strata::runtime {
namespace {

struct Request {
    UniqueFd conn;         // to the pod VM's monitor
    std::string message;   // 'C' ... (vm/monitor/exec_socket.h)
    std::vector<UniqueFd> trees;
    UniqueFd tty;          // process.terminal: the host pty's slave (this process's terminal)
};

// Everything that can fail before `ready`: the pod's VM is reachable, the config encodes, the
// bind sources exist.
Result<Request> prepare(InitContext& ctx) {
    const spec::Spec& spec = *ctx.spec;
    const std::string& id = ctx.opts->id;
    std::string sandbox = ctx.opts->root + "/" + ctx.pod_sandbox;
    Request r;
    UniqueFd vm_dir = STRATA_TRY(with_context(sys::open(sandbox + "/vm", O_PATH | O_DIRECTORY | O_CLOEXEC), "the VM of pod sandbox " + ctx.pod_sandbox));
    auto conn = sys::connect_at(vm_dir.get(), vm::kExecSocket, SOCK_SEQPACKET);
    if (!conn) {
        if (conn.error().code == ENOENT || conn.error().code == ECONNREFUSED)
            return os_error(conn.error().code, "the VM of pod sandbox " + ctx.pod_sandbox + " is not running (nothing listens on " + sandbox +
                                                   "/vm/" + vm::kExecSocket + ")");
        return wrap(conn.error(), "the VM of pod sandbox " + ctx.pod_sandbox);
    }
    r.conn = std::move(*conn);
    // As a VM's own workload's, at create; the slave is kept for the resizes (its fds 0-2 go).
    if (spec.process->terminal && ctx.console_fd >= 0) r.tty = STRATA_TRY(host_terminal_for_guest(ctx));
    auto filter = guest_filter(ctx);
    std::string encoded = STRATA_TRY(vm::agent::encode_spec(spec, vm::guest_shm_bytes(spec, ctx.opts->bundle), filter ? &*filter : nullptr,
                                                            guest_hook_state(ctx), vm::agent::guest_member_share_dir(id)));
    auto entries = STRATA_TRY(vm::member_entries(spec, ctx.opts->bundle, ctx.rootfs));
    // Its stdio and every entry go to the monitor in one message.
    if (3 + entries.size() > sys::kMaxMessageFds)
        return os_error(E2BIG, "config.json: .mounts: " + std::to_string(entries.size() - 1) + " bind mounts; a container in a pod's VM can have at most " +
                                   std::to_string(sys::kMaxMessageFds - 4));
    vm::agent::Writer w;
    w.str(id).str(encoded).u32(static_cast<uint32_t>(entries.size()));
    for (auto& e : entries) {
        w.str(e.name);
        r.trees.push_back(std::move(e.tree));
    }
    r.message = std::string(1, vm::kMemberRequest) + w.take();
    return r;
}

// Hands the container over at start; returns once the guest runs it.
Result<> start_in_guest(Request& r, const std::string& id) {
    std::string what = "pod container " + id;
    std::vector<int> fds = {0, 1, 2};
    for (const auto& t : r.trees) fds.push_back(t.get());
    STRATA_TRY(with_context(sys::send_msg(r.conn.get(), r.message, fds), what + ": send it to the pod VM's monitor"));
    r.trees.clear();
    GuestStarted started = STRATA_TRY(await_guest_start(r.conn.get(), what));
    log::debug(what + ": guest pid " + std::to_string(started.pid) + ", " + std::to_string(started.us) + " us in the guest");
    return {};
}

}  // namespace

void run_vm_pod_member(InitContext& ctx, InitChannel& channel) {
    (void)sys::set_name("strata:pod");
    ::signal(SIGPIPE, SIG_IGN);
    const std::string& id = ctx.opts->id;
    auto request = prepare(ctx);
    if (!request) channel.fail(wrap(request.error(), "pod container " + id).error());
    const auto& hooks = ctx.spec->hooks;
    if (!hooks.prestart.empty() || !hooks.create_runtime.empty())
        if (auto ran = run_host_create_hooks(ctx); !ran) channel.fail(ran.error());
    if (!channel.ready()) ::_exit(1);
    if (!channel.wait_for_go()) ::_exit(1);
    int64_t t0 = sys::monotonic_us();
    if (auto started = start_in_guest(*request, id); !started) channel.fail(started.error());
    // The monitor writes the container's output to the engine's fds itself: this copy must not
    // hold them open (the engine reads until EOF).
    int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int fd = 0; fd < 3; ++fd) ::dup2(null, fd);
    channel.started();
    fault::point("pod_member.started");  // the guest runs the container; this process is its proxy
    auto status = proxy_vm_session(request->conn.get(), id, t0, request->tty ? request->tty.get() : -1);
    if (!status) {
        log::error("pod container " + id + ": " + status.error().message());
        ::_exit(255);
    }
    ::_exit(*status);
}

}  // namespace strata::runtime
