// The container's init: the process between clone and exec. It follows the parent <-> init
// protocol (init_channel.h) and dispatches on the substrate: a container (namespaces, rootfs),
// a bare process, or a micro-VM monitor. strata is single-threaded when it clones, so this
// process may allocate like any other; what it may not do is trust anything inside the rootfs
// (every path there is resolved through an fd).

#include "runtime/init.h"

#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include "base/fault.h"
#include "base/strings.h"
#include "cgroup/manager.h"
#include "runtime/container_setup.h"
#include "runtime/hooks.h"
#include "runtime/init_channel.h"
#include "runtime/launch.h"
#include "runtime/sync.h"
#include "runtime/vm_init.h"
#include "security/rlimits.h"
#include "sys/file.h"
#include "sys/ns.h"
#include "sys/process.h"

namespace strata::runtime {
namespace {

// The state directory's fd carries the parent's flock (locks belong to the open file, which
// the clone shares): keeping it would block every later command on this container.
void drop_parent_fds(InitContext& ctx) {
    if (ctx.state_dir_fd >= 0) ::close(ctx.state_dir_fd);
    ctx.state_dir_fd = -1;
}

// Until it is ready (InitChannel::ready clears this), a half-created init dies with its
// creator: a `create` killed half-way leaves no process behind, and no orphan whose zombie waits
// for whatever reaps orphans on the host. A creator that died before the prctl has closed its end
// of the sync socket (it is the only holder).
void die_with_creator(int sync_fd) {
    (void)sys::set_parent_death_signal(SIGKILL);
    pollfd p{sync_fd, POLLIN, 0};
    if (::poll(&p, 1, 0) == 1 && (p.revents & POLLHUP)) ::_exit(1);
}

[[noreturn]] void fail(int fd, const Error& e) {
    (void)sync::send_error(fd, e);
    ::_exit(1);
}

Result<Launch> prepare(InitContext& ctx) {
    const spec::Process& proc = *ctx.spec->process;
    int preserve = ctx.opts->preserve_fds;
    if (ctx.substrate == Substrate::bare) {
        STRATA_TRY(security::apply_rlimits(proc.rlimits));
        return prepare_bare(proc, ctx.rootfs, preserve);
    }
    STRATA_TRY(setup_container(ctx));
    return prepare_in_container(proc, preserve);
}

}  // namespace

void run_stage1(InitContext& ctx) {
    die_with_creator(ctx.sync_fd);
    drop_parent_fds(ctx);
    const ns::Plan& nsp = *ctx.namespaces;
    auto step = [&]() -> Result<pid_t> {
        STRATA_TRY(ns::join(nsp, CLONE_NEWUSER));
        STRATA_TRY(ns::join(nsp, CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWTIME));
        if (nsp.creates(CLONE_NEWUSER)) {
            STRATA_TRY(with_context(sys::unshare(CLONE_NEWUSER), "user namespace"));
            STRATA_TRY(sync::send(ctx.sync_fd, sync::kUserns));
        }
        sync::Message cont = STRATA_TRY(sync::receive(ctx.sync_fd));
        if (cont.type != sync::kContinue) return error("container init (stage 1): the parent did not continue");
        STRATA_TRY(cgroup::join_self(cont.fds));  // see cgroup/manager.h
        cont.fds.clear();  // stage 2 inherits the cgroups, not the files
        if (nsp.creates(CLONE_NEWUSER) || nsp.joined(CLONE_NEWUSER)) STRATA_TRY(become_root_in_user_namespace());
        int rest = nsp.create & (CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNS);
        if (rest) STRATA_TRY(with_context(sys::unshare(rest), "namespaces"));
        sys::CloneArgs ca;
        ca.flags = CLONE_PARENT | (nsp.creates(CLONE_NEWPID) ? CLONE_NEWPID : 0);
        ca.exit_signal = SIGCHLD;
        auto child = STRATA_TRY(sys::clone3(ca));
        return child.pid;
    };
    auto pid = step();
    if (!pid) fail(ctx.sync_fd, pid.error());
    if (*pid == 0) {
        ctx.two_stage_child = true;
        run_init(ctx);
    }
    (void)sync::send(ctx.sync_fd, sync::kPid, std::to_string(*pid));
    ::_exit(0);
}

void run_init(InitContext& ctx) {
    die_with_creator(ctx.sync_fd);  // stage 2 too: the signal is not inherited
    drop_parent_fds(ctx);
    (void)sys::set_name("strata:init");
    InitChannel channel(ctx.sync_fd, ctx.listener_fd);
    // The namespaces clone left out (see create.cc), made while the parent sets up the cgroup.
    int early = ctx.two_stage_child ? 0 : ns::clone_flags(*ctx.namespaces) & ~(CLONE_NEWPID | CLONE_NEWUSER);
    auto unshared = early ? with_context(sys::unshare(early), "create namespaces") : Result<>{};
    // The parent writes the id maps and readies the cgroup; the init then joins its v1
    // hierarchies itself (stage 2 was born in them). If the parent is gone there is nobody left
    // to report to.
    auto cont = sync::receive(ctx.sync_fd);
    if (!cont || cont->type != sync::kContinue) ::_exit(1);
    if (auto joined = cgroup::join_self(cont->fds); !joined) channel.fail(joined.error());
    cont->fds.clear();  // host cgroup files: closed before anything of the container runs
    fault::point("init.joined");
    ctx.hook_state = std::move(cont->payload);  // set when the container has hooks the init runs
    if (!unshared) channel.fail(unshared.error());
    if (ctx.substrate == Substrate::vm) run_vm_monitor(ctx, channel);

    auto launch = prepare(ctx);
    if (!launch) channel.fail(launch.error());
    fault::point("init.prepared");
    if (!channel.ready()) ::_exit(1);
    if (!channel.wait_for_go()) ::_exit(1);
    if (!ctx.spec->hooks.start_container.empty()) {
        auto state = nlohmann::json::parse(ctx.hook_state);
        state["status"] = "created";
        if (auto h = run_hooks(ctx.spec->hooks.start_container, state, "startContainer"); !h) channel.fail(h.error());
    }
    const spec::Process& proc = *ctx.spec->process;
    Confinement conf;
    conf.seccomp = ctx.seccomp;
    conf.reply_fd = channel.error_fd();
    if (ctx.spec->linux && ctx.spec->linux->personality) conf.personality = &*ctx.spec->linux->personality;
    auto r = ctx.substrate == Substrate::bare ? exec_bare(proc, *launch) : confine_and_exec(proc, conf, *launch);
    channel.fail(r.error());
}

}  // namespace strata::runtime
