#include "runtime/create.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fault.h"
#include "base/log.h"
#include "base/scope_exit.h"
#include "base/strings.h"
#include "cgroup/manager.h"
#include "ns/namespaces.h"
#include "rootfs/mount_plan.h"
#include "runtime/hooks.h"
#include "runtime/init.h"
#include "runtime/pod.h"
#include "runtime/sync.h"
#include "runtime/terminal.h"
#include "security/lsm.h"
#include "security/seccomp/cache.h"
#include "security/sysctl.h"
#include "spec/parse.h"
#include "sys/file.h"
#include "sys/netlink.h"
#include "sys/ns.h"
#include "sys/process.h"
#include "sys/socket.h"
#include "vm/monitor/preflight.h"

namespace strata::runtime {

Result<spec::Spec> load_bundle_config(const std::string& bundle, std::string* raw) {
    std::string path = bundle + "/config.json";
    auto text = sys::read_file(path);
    if (!text) {
        if (text.error().code == ENOENT) return os_error(ENOENT, "bundle " + quote(bundle) + " has no config.json");
        return std::unexpected(text.error());
    }
    spec::Spec s = STRATA_TRY(spec::parse_config(*text, path));
    if (!s.process) return error(path + ": .process: is required to create a container");
    if (raw) *raw = std::move(*text);
    return s;
}

Result<> write_pid_file(const std::string& path, pid_t pid) {
    std::string abs = STRATA_TRY(sys::absolute(path));
    UniqueFd dir = STRATA_TRY(sys::open(sys::dirname(abs), O_PATH | O_DIRECTORY));
    return with_context(sys::write_file_atomic(dir.get(), sys::basename(abs), std::to_string(pid), 0644),
                        "pid file " + quote(path));
}

namespace {

// Restores the caller's own namespace of one type after a temporary setns/unshare that was
// meant for the child only (pid and time namespaces apply to children).
class NamespaceRestore {
public:
    static Result<NamespaceRestore> save(const char* proc_name, int type) {
        NamespaceRestore r;
        r.m_type = type;
        r.m_fd = STRATA_TRY(sys::open(std::string("/proc/self/ns/") + proc_name, O_RDONLY));
        return r;
    }
    Result<> restore() {
        if (!m_fd) return {};
        STRATA_TRY(sys::setns(m_fd.get(), m_type, "the runtime's own namespace again"));
        m_fd.reset();
        return {};
    }

private:
    int m_type = 0;
    UniqueFd m_fd;
};

// What the host cgroup enforces. For a micro-VM the cgroup holds the monitor and the VMM, not the
// workload: the workload's device rules and memory limit are applied inside the guest (and its
// RAM is the guest's), while on the host they would deny the VMM /dev/kvm and OOM-kill it.
spec::Resources host_resources(Substrate substrate, spec::Resources r) {
    if (substrate != Substrate::vm) return r;
    r.devices.clear();
    r.memory.reset();
    r.hugepage_limits.clear();
    return r;
}

// SCMP_ACT_NOTIFY on the vm substrate: the notify fd would come from the guest's kernel, and
// the listener at linux.seccomp.listenerPath is a host process that cannot serve it (the guest's
// pids and memory are not the host's). Refused with the rule's JSON path (docs/design/vm.md).
Result<> refuse_notify_in_vm(const spec::Seccomp& sc, const std::string& file) {
    auto refusal = [&](const std::string& where) {
        return error(file + ": .linux.seccomp" + where +
                     ": SCMP_ACT_NOTIFY is not supported on the vm substrate (the notify fd would belong to the "
                     "guest's kernel, out of the listener's reach)");
    };
    if (sc.default_action == "SCMP_ACT_NOTIFY") return refusal(".defaultAction");
    for (size_t i = 0; i < sc.syscalls.size(); ++i)
        if (sc.syscalls[i].action == "SCMP_ACT_NOTIFY") return refusal(".syscalls[" + std::to_string(i) + "].action");
    return {};
}

// The sandbox whose VM a pod's container on the vm substrate joins: the one it names, if that is
// a strata VM pod sandbox in the same root. "" otherwise: the container is a VM of its own.
std::string pod_vm_of(const std::string& root, const spec::Spec& spec) {
    std::string sandbox = pod_sandbox_of(spec);
    if (sandbox.empty() || !validate_id(sandbox)) return "";
    auto dir = ContainerDir::open(root, sandbox);
    if (!dir) return "";
    auto st = dir->load();
    if (!st || st->substrate != "vm" || !is_pod_sandbox(st->annotations)) return "";
    return sandbox;
}

// Kills and reaps a half-created init so a failed create leaves no process behind.
void kill_and_reap(pid_t pid) {
    if (pid <= 0) return;
    ::kill(pid, SIGKILL);
    int st;
    while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
}

}  // namespace

Result<Created> create(const CreateOptions& opts) {
    log::Timer total("create");
    std::string raw_config;
    spec::Spec spec = STRATA_TRY(load_bundle_config(opts.bundle, &raw_config));
    for (const auto& e : opts.extra_env) spec.process->env.push_back(e);
    if (spec.process->terminal && opts.console_socket.empty() && !opts.relay_terminal)
        return error("process.terminal is true: --console-socket is required to create a container with a terminal");
    if (!spec.process->terminal && !opts.console_socket.empty())
        return error("--console-socket given but process.terminal is false");

    std::string rootfs = spec.root.path.starts_with('/') ? sys::clean_path(spec.root.path)
                                                         : sys::path_join(opts.bundle, spec.root.path);
    {
        auto st = sys::stat(rootfs);
        if (!st) return wrap(st.error(), "rootfs");
        if (!S_ISDIR(st->st_mode)) return os_error(ENOTDIR, "rootfs " + quote(rootfs));
    }
    Substrate substrate = STRATA_TRY(substrate_of(spec, opts.substrate));
    // A VM pod's sandbox is the pod's VM (runtime/pod.h). The checks a VM's start would fail on
    // come first, so that RunPodSandbox fails naming the cause before anything exists.
    std::string pod_sandbox;  // a VM pod's further container: the sandbox whose VM runs it
    if (substrate == Substrate::vm && is_pod_sandbox(spec)) {
        STRATA_TRY(with_context(vm::preflight(spec, opts.vm_kernel, opts.vm_backend, true),
                                "pod sandbox " + opts.id + " (org.strata.substrate=vm)"));
        log::debug("create: pod sandbox " + opts.id + ": the pod's VM");
    } else if (substrate == Substrate::vm) {
        pod_sandbox = pod_vm_of(opts.root, spec);
        if (!pod_sandbox.empty()) log::debug("create: " + opts.id + " joins the VM of pod sandbox " + pod_sandbox);
    }
    // Bare processes and micro-VMs get no namespaces and no mounts on the host: the init is a
    // plain process (bare) or the VM's monitor (vm).
    ns::Plan nsplan;
    std::vector<rootfs::MountOp> mounts;
    if (substrate == Substrate::container) {
        STRATA_TRY(security::validate_sysctls(spec, opts.bundle + "/config.json"));
        STRATA_TRY(security::validate_lsm(spec, opts.bundle + "/config.json"));
        // Without a mount namespace the rootfs could only be made read-only on the host itself.
        if (!spec.has_namespace("mount") && spec.root.readonly)
            return error(opts.bundle + "/config.json: .root.readonly: needs a mount namespace (.linux.namespaces has none)");
        // Intel RDT (resctrl) is not implemented: refused, saying what the host lacks first.
        if (spec.linux && spec.linux->intel_rdt) {
            struct statfs fs{};
            bool mounted = ::statfs("/sys/fs/resctrl", &fs) == 0 && fs.f_type == 0x7655821 /* RDTGROUP_SUPER_MAGIC */;
            return error(opts.bundle + "/config.json: .linux.intelRdt: " +
                         (mounted ? std::string("not supported by strata yet")
                                  : std::string("needs resctrl mounted at /sys/fs/resctrl, which this host does not have")));
        }
        nsplan = STRATA_TRY(ns::plan(spec));
        mounts = STRATA_TRY(rootfs::plan_mounts(spec, opts.bundle));
    }

    // Compiled here, before anything exists, so that a bad profile fails create with its JSON
    // path; the init only loads the result.
    // createContainer hooks run in the container's namespaces with the host's paths; a VM's
    // namespaces are the guest's, and the init's pid a hook would be given is the monitor's on the
    // host, so a hook that writes into /proc/PID/root would write into the host's root.
    if (substrate == Substrate::vm && !spec.hooks.create_container.empty())
        return error(opts.bundle + "/config.json: .hooks.createContainer: not supported on the vm substrate (these hooks run in the "
                                   "container's namespaces with the host's paths; a micro-VM's namespaces are the guest's)");
    // The micro-VM's agent loads the same program in the guest (vm/protocol/spec_codec.h).
    std::optional<security::seccomp::Program> seccomp;
    if (substrate != Substrate::bare && spec.linux && spec.linux->seccomp) {
        if (substrate == Substrate::vm) STRATA_TRY(refuse_notify_in_vm(*spec.linux->seccomp, opts.bundle + "/config.json"));
        seccomp = STRATA_TRY(security::seccomp::compile_cached(*spec.linux->seccomp, opts.bundle + "/config.json",
                                                               opts.root + "/.cache:seccomp"));
    }

    const spec::Linux empty_linux;
    const spec::Linux& lx = spec.linux ? *spec.linux : empty_linux;
    STRATA_TRY(validate_id(opts.id));  // before the id becomes a cgroup path
    std::unique_ptr<cgroup::Manager> cg =
        STRATA_TRY(with_context(cgroup::new_manager(lx.cgroups_path, opts.id), "create " + opts.id));

    ContainerDir dir = STRATA_TRY(ContainerDir::create(opts.root, opts.id));
    fault::point("create.dir");
    pid_t child_pid = 0;
    bool cgroup_made = false;
    ScopeExit cleanup([&] {
        kill_and_reap(child_pid);
        if (cgroup_made) (void)cg->destroy();
        (void)dir.remove();
    });

    // A "creating" state before anything exists on the host: a create killed from here on leaves
    // a record of the cgroup it was making, the mounts it was given, and later the init's pid,
    // so that `delete --force` finds and removes all of it.
    State st;
    st.id = opts.id;
    st.status = Status::creating;
    st.bundle = opts.bundle;
    st.rootfs = rootfs;
    st.created = rfc3339_now();
    st.owner = "";
    st.annotations = spec.annotations;
    st.new_pid_namespace = nsplan.creates(CLONE_NEWPID);
    st.substrate = std::string(substrate_name(substrate));
    st.owned_mounts = opts.owned_mounts;
    st.owned_paths = opts.owned_paths;
    st.pod_sandbox = pod_sandbox;
    st.cgroup = cg->to_json();
    STRATA_TRY(dir.save(st));
    fault::point("create.recorded");

    // The init listens here for `start`. Created by the parent so that the init never needs a
    // file descriptor of the host's state directory.
    UniqueFd listener;
    if (!opts.for_run) listener = STRATA_TRY(sys::listen_at(dir.fd(), "init.sock", SOCK_SEQPACKET));

    auto pair = STRATA_TRY(sys::socketpair_seqpacket());
    // Terminal: the init sends the pty master to the caller's console socket, or (foreground
    // run) back to us to relay.
    UniqueFd console, console_back;
    if (spec.process->terminal) {
        if (!opts.console_socket.empty()) {
            console = STRATA_TRY(connect_console_socket(opts.console_socket));
        } else {
            auto cp = STRATA_TRY(sys::socketpair_seqpacket());
            console = std::move(cp.b);
            console_back = std::move(cp.a);
        }
    }

    std::optional<NamespaceRestore> restore_pid, restore_time;
    if (const ns::Join* pid_join = nsplan.joined(CLONE_NEWPID)) {
        restore_pid = STRATA_TRY(NamespaceRestore::save("pid", CLONE_NEWPID));
        STRATA_TRY(sys::setns(pid_join->fd.get(), CLONE_NEWPID, "pid namespace " + quote(pid_join->path)));
    }
    // A new time namespace is made here for the child so that its offsets can be written before
    // any process is in it; a joined one is entered by the init itself.
    if (nsplan.creates(CLONE_NEWTIME)) {
        restore_time = STRATA_TRY(NamespaceRestore::save("time", CLONE_NEWTIME));
        STRATA_TRY(ns::prepare_time_namespace(spec.linux->time_offsets));
    }

    InitContext ctx;
    ctx.spec = &spec;
    ctx.opts = &opts;
    ctx.rootfs = rootfs;
    ctx.namespaces = &nsplan;
    ctx.mounts = &mounts;
    ctx.sync_fd = pair.b.get();
    ctx.listener_fd = listener.get();
    ctx.state_dir_fd = dir.fd();
    ctx.substrate = substrate;
    ctx.console_fd = console.get();
    ctx.seccomp = seccomp ? &*seccomp : nullptr;
    ctx.pod_sandbox = pod_sandbox;

    // Only the pid namespace (the child must be its pid 1) and a user namespace (it owns the
    // others) are made by clone; the child unshares the rest itself at once, on the other CPU,
    // while this process sets up the cgroup: creating a network and a mount namespace costs
    // ~0.7 ms here, as much as the cgroup work.
    sys::CloneArgs ca;
    ca.flags = CLONE_PIDFD | (nsplan.two_stage() ? 0 : static_cast<uint64_t>(ns::clone_flags(nsplan) & (CLONE_NEWPID | CLONE_NEWUSER)));
    // The init is cloned straight into its cgroup2 directory (made first, ~0.1 ms) and joins the
    // v1 hierarchies itself: no cgroup.procs write, whose lock waits out an RCU grace period
    // (cgroup/manager.h). A kernel that refuses CLONE_INTO_CGROUP gets the plain clone and the
    // cgroup.procs writes.
    cgroup_made = true;
    cgroup::Clone cloned = STRATA_TRY(with_context(cgroup::clone_into(*cg, ca), "create " + opts.id));
    auto& child = cloned.child;
    if (child && child->pid == 0) {
        pair.a.reset();
        if (nsplan.two_stage()) run_stage1(ctx);
        run_init(ctx);
    }
    if (restore_pid) STRATA_TRY(restore_pid->restore());
    if (restore_time) STRATA_TRY(restore_time->restore());
    if (!child) return wrap(child.error(), "create " + opts.id);
    child_pid = child->pid;
    UniqueFd pidfd = std::move(child->pidfd);
    pair.b.reset();
    listener.reset();
    console.reset();
    int sync = pair.a.get();
    fault::point("create.cloned");

    // The cgroup and its limits exist before the process's own code runs: the init waits for
    // 'continue', which comes only after it joined the cgroup.
    std::vector<UniqueFd> join_files;
    {
        log::Timer t("cgroup setup");
        STRATA_TRY(with_context(cg->create(), "create " + opts.id));
        STRATA_TRY(with_context(cg->apply(host_resources(substrate, lx.resources.value_or(spec::Resources{}))),
                                opts.bundle + "/config.json"));
        join_files = STRATA_TRY(with_context(cgroup::admit(*cg, cloned, child_pid), "create " + opts.id));
    }
    // The init's pid and every cgroup directory made, for a `delete --force` after a crash.
    st.pid = child_pid;
    st.pid_start_time = STRATA_TRY(sys::process_start_time(child_pid));
    st.cgroup = cg->to_json();
    STRATA_TRY(dir.save(st));
    fault::point("create.cgroup");

    if (nsplan.two_stage()) {
        // Stage 1 joins, then creates the user namespace and asks for its maps.
        if (nsplan.creates(CLONE_NEWUSER)) {
            STRATA_TRY(sync::expect(sync, sync::kUserns, "the user namespace was created"));
            STRATA_TRY(ns::write_id_maps(child_pid, lx.uid_mappings, lx.gid_mappings));
        }
        STRATA_TRY(sync::send(sync, sync::kContinue, "", join_files));  // stage 1 joins; stage 2 inherits
        join_files.clear();
        std::string pid_text = STRATA_TRY(sync::expect(sync, sync::kPid, "stage 2 started"));
        auto stage2 = parse_int(pid_text);
        if (!stage2) return error("bad stage 2 pid from container init: " + quote(pid_text));
        (void)sys::wait_exit_status(child_pid);  // stage 1 exits once stage 2 exists
        child_pid = static_cast<pid_t>(*stage2);
        pidfd = STRATA_TRY(sys::pidfd_open(child_pid));
    } else if (nsplan.creates(CLONE_NEWUSER)) {
        STRATA_TRY(ns::write_id_maps(child_pid, lx.uid_mappings, lx.gid_mappings));
    }
    // The hooks' view of the container; the init needs it for the hooks it runs itself.
    // runtime-spec (runtime.md, Lifecycle): prestart, createRuntime and createContainer run at
    // steps 3-5, after the create operation of step 2, whose state is "creating"; "created" is
    // the state after step 2. (runc passes "creating"; runtime-tools' hooks_stdin expects
    // "created" for prestart.)
    const auto& hooks = spec.hooks;
    auto state_for_hooks = [&](const char* status) {
        return hook_state(opts.id, status, child_pid, opts.bundle, spec.annotations);
    };
    bool init_hooks = !hooks.create_container.empty() || !hooks.start_container.empty();
    STRATA_TRY(sync::send(sync, sync::kContinue, init_hooks ? state_for_hooks("created").dump() : "", join_files));
    join_files.clear();
    fault::point("create.continued");

    {
        log::Timer t("container init setup (namespaces, mounts, pivot)");
        auto msg = STRATA_TRY(with_context(sync::receive(sync), "create " + opts.id));
        if (msg.type == sync::kHooks) {
            fault::point("create.hooks");
            STRATA_TRY(with_context(run_hooks(hooks.prestart, state_for_hooks("created"), "prestart"), "create " + opts.id));
            STRATA_TRY(with_context(run_hooks(hooks.create_runtime, state_for_hooks("created"), "createRuntime"), "create " + opts.id));
            STRATA_TRY(sync::send(sync, sync::kContinue));
            msg = STRATA_TRY(with_context(sync::receive(sync), "create " + opts.id));
        }
        if (msg.type != sync::kReady) return error("create " + opts.id + ": container init exited before it was ready");
    }
    // linux.netDevices: moved into the container's network namespace (which the init made)
    // before its process can run. When that namespace goes, the kernel returns physical
    // devices to the host's and destroys virtual ones.
    if (!lx.net_devices.empty() && substrate == Substrate::container) {
        UniqueFd netns = STRATA_TRY(sys::open("/proc/" + std::to_string(child_pid) + "/ns/net", O_RDONLY));
        for (const auto& [host, dev] : lx.net_devices)
            STRATA_TRY(with_context(sys::move_link_to_netns(host, netns.get(), dev.name.empty() ? host : dev.name),
                                    "create " + opts.id + ": .linux.netDevices[" + quote(host) + "]"));
    }

    fault::point("create.ready");
    st.status = Status::created;
    st.pid = child_pid;
    st.pid_start_time = STRATA_TRY(sys::process_start_time(child_pid));
    st.cgroup = cg->to_json();
    STRATA_TRY(sys::write_file_atomic(dir.fd(), "config.json", raw_config, 0600));
    STRATA_TRY(dir.save(st));
    fault::point("create.saved");
    if (!opts.pid_file.empty()) STRATA_TRY(write_pid_file(opts.pid_file, child_pid));
    // Until this message the init dies with us (it sees the socket close): a create that did not
    // get this far leaves no init waiting for a `start` that nothing recorded.
    if (!opts.for_run) STRATA_TRY(sync::send(sync, sync::kCommitted));

    cleanup.dismiss();
    Created c{std::move(dir), std::move(st), std::move(spec), UniqueFd(), std::move(pidfd), UniqueFd()};
    if (opts.for_run) c.sync = std::move(pair.a);
    if (console_back) {
        auto m = STRATA_TRY(with_context(sys::recv_msg(console_back.get()), "receive the container's terminal"));
        if (m.fds.empty()) return error("create " + opts.id + ": the container sent no terminal");
        c.pty_master = std::move(m.fds[0]);
    }
    return c;
}

}  // namespace strata::runtime
