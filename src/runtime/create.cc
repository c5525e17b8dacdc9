#include "runtime/create.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/log.h"
#include "base/scope_exit.h"
#include "base/strings.h"
#include "ns/namespaces.h"
#include "rootfs/mount_plan.h"
#include "runtime/init.h"
#include "runtime/sync.h"
#include "spec/parse.h"
#include "sys/file.h"
#include "sys/ns.h"
#include "sys/process.h"
#include "sys/socket.h"

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
    std::string raw_config;
    spec::Spec spec = STRATA_TRY(load_bundle_config(opts.bundle, &raw_config));
    if (spec.process->terminal && opts.console_socket.empty() && !opts.for_run)
        return error("process.terminal is true: --console-socket is required to create a container with a terminal");
    if (!opts.console_socket.empty())
        return error("--console-socket: terminals are not supported yet");

    std::string rootfs = spec.root.path.starts_with('/') ? sys::clean_path(spec.root.path)
                                                         : sys::path_join(opts.bundle, spec.root.path);
    {
        auto st = sys::stat(rootfs);
        if (!st) return wrap(st.error(), "rootfs");
        if (!S_ISDIR(st->st_mode)) return os_error(ENOTDIR, "rootfs " + quote(rootfs));
    }
    Substrate substrate = STRATA_TRY(substrate_of(spec, opts.substrate));
    // Bare processes and micro-VMs get no namespaces and no mounts on the host: the init is a
    // plain process (bare) or the VM's monitor (vm).
    ns::Plan nsplan;
    std::vector<rootfs::MountOp> mounts;
    if (substrate == Substrate::container) {
        if (!spec.has_namespace("mount"))
            return error(opts.bundle + "/config.json: .linux.namespaces: a mount namespace is required");
        nsplan = STRATA_TRY(ns::plan(spec));
        mounts = STRATA_TRY(rootfs::plan_mounts(spec, opts.bundle));
    }

    ContainerDir dir = STRATA_TRY(ContainerDir::create(opts.root, opts.id));
    pid_t child_pid = 0;
    ScopeExit cleanup([&] {
        kill_and_reap(child_pid);
        (void)dir.remove();
    });

    // The init listens here for `start`. Created by the parent so that the init never needs a
    // file descriptor of the host's state directory.
    UniqueFd listener;
    if (!opts.for_run) listener = STRATA_TRY(sys::listen_at(dir.fd(), "init.sock", SOCK_SEQPACKET));

    auto pair = STRATA_TRY(sys::socketpair_seqpacket());

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

    sys::CloneArgs ca;
    ca.flags = CLONE_PIDFD | (nsplan.two_stage() ? 0 : static_cast<uint64_t>(ns::clone_flags(nsplan)));
    auto child = sys::clone3(ca);
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
    int sync = pair.a.get();

    const spec::Linux empty_linux;
    const spec::Linux& lx = spec.linux ? *spec.linux : empty_linux;
    if (nsplan.two_stage()) {
        // Stage 1 joins, then creates the user namespace and asks for its maps.
        if (nsplan.creates(CLONE_NEWUSER)) {
            STRATA_TRY(sync::expect(sync, sync::kUserns, "the user namespace was created"));
            STRATA_TRY(ns::write_id_maps(child_pid, lx.uid_mappings, lx.gid_mappings));
        }
        STRATA_TRY(sync::send(sync, sync::kContinue));
        std::string pid_text = STRATA_TRY(sync::expect(sync, sync::kPid, "stage 2 started"));
        auto stage2 = parse_int(pid_text);
        if (!stage2) return error("bad stage 2 pid from container init: " + quote(pid_text));
        (void)sys::wait_exit_status(child_pid);  // stage 1 exits once stage 2 exists
        child_pid = static_cast<pid_t>(*stage2);
        pidfd = STRATA_TRY(sys::pidfd_open(child_pid));
        STRATA_TRY(sync::send(sync, sync::kContinue));
    } else {
        if (nsplan.creates(CLONE_NEWUSER))
            STRATA_TRY(ns::write_id_maps(child_pid, lx.uid_mappings, lx.gid_mappings));
        STRATA_TRY(sync::send(sync, sync::kContinue));
    }

    STRATA_TRY(with_context(sync::expect(sync, sync::kReady, "it was ready"), "create " + opts.id));

    State st;
    st.id = opts.id;
    st.status = Status::created;
    st.pid = child_pid;
    st.pid_start_time = STRATA_TRY(sys::process_start_time(child_pid));
    st.bundle = opts.bundle;
    st.rootfs = rootfs;
    st.created = rfc3339_now();
    st.owner = "";
    st.annotations = spec.annotations;
    st.new_pid_namespace = nsplan.creates(CLONE_NEWPID);
    st.substrate = std::string(substrate_name(substrate));
    st.owned_mounts = opts.owned_mounts;
    st.owned_paths = opts.owned_paths;
    STRATA_TRY(sys::write_file_atomic(dir.fd(), "config.json", raw_config, 0600));
    STRATA_TRY(dir.save(st));
    if (!opts.pid_file.empty()) STRATA_TRY(write_pid_file(opts.pid_file, child_pid));

    cleanup.dismiss();
    Created c{std::move(dir), std::move(st), std::move(spec), UniqueFd(), std::move(pidfd)};
    if (opts.for_run) c.sync = std::move(pair.a);
    return c;
}

}  // namespace strata::runtime
