#include "agent/workload.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <linux/sched.h>
#include <sys/ioctl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "agent/cgroup.h"
#include "agent/share.h"
#include "agent/terminal.h"
#include "agent/timeline.h"
#include "base/strings.h"
#include "sys/file.h"
#include "sys/ns.h"
#include "sys/process.h"
#include "sys/socket.h"

namespace strata::agent {
namespace {

constexpr const char* kLower = "/run/strata/lower";
constexpr const char* kRw = "/run/strata/rw";

Result<> do_mount(const std::string& source, const std::string& target, const char* type,
                  unsigned long flags, const std::string& data = "") {
    STRATA_TRY(sys::mkdir_all(target, 0755));
    if (::mount(source.c_str(), target.c_str(), type, flags, data.empty() ? nullptr : data.c_str()) < 0)
        return os_error(errno, "mount " + quote(source) + " at " + target + (type ? std::string(" (") + type + ")" : ""));
    return {};
}

// erofs (read-only, on the virtio disk) under a tmpfs upper layer: the image stays shareable
// between VMs while the workload writes as it would in a container. A read-only root
// (root.readonly) is writable here too: the mount points config.json needs are made in it, and
// the workload's child remounts it read-only once its mounts are in place, as a container's is.
Result<> mount_rootfs(const vm::agent::StartConfig& sc) {
    using vm::agent::RootfsKind;
    if (sc.rootfs == RootfsKind::initramfs) return do_mount(sc.rootfs_source, kWorkloadRoot, nullptr, MS_BIND | MS_REC);
    // A VM restored from a template probed its disk in the template, where it held zeros: drop
    // what the block device's cache kept of that before erofs reads its superblock.
    {
        UniqueFd dev = STRATA_TRY(sys::open(sc.rootfs_source, O_RDONLY | O_CLOEXEC));
        if (::ioctl(dev.get(), BLKFLSBUF, 0) < 0) return os_error(errno, "flush the block cache of " + sc.rootfs_source);
    }
    STRATA_TRY(do_mount(sc.rootfs_source, kLower, "erofs", MS_RDONLY));
    std::string size = sc.writable_mib ? ",size=" + std::to_string(sc.writable_mib) + "m" : "";
    STRATA_TRY(do_mount("tmpfs", kRw, "tmpfs", 0, "mode=0755" + size));
    STRATA_TRY(sys::mkdir_all(std::string(kRw) + "/upper", 0755));
    STRATA_TRY(sys::mkdir_all(std::string(kRw) + "/work", 0755));
    return do_mount("overlay", kWorkloadRoot, "overlay", 0,
                    std::string("lowerdir=") + kLower + ",upperdir=" + kRw + "/upper,workdir=" + kRw + "/work");
}

struct NsChoice {
    uint64_t flags = CLONE_NEWNS;  // always: the workload's mounts stay out of the agent's view
    bool uts = false, pid = false;
};

NsChoice choose_namespaces(const spec::Spec& spec, std::vector<std::string>& warnings) {
    NsChoice c;
    if (!spec.linux) return c;
    for (const auto& n : spec.linux->namespaces) {
        // The network namespace's interfaces are the guest's NICs (vm/net on the host).
        if (!n.path.empty() && n.type != "network") {
            warnings.push_back("namespace " + n.type + " at " + quote(n.path) + " is a host namespace; the VM cannot join it (a new one is used)");
        }
        if (n.type == "pid") c.flags |= CLONE_NEWPID, c.pid = true;
        // The guest's own stack is the container's network: lo (up, see the session) and the
        // NICs the host gave it for the namespace's interfaces. A namespace of its own would hide
        // them, and cost ~25 ms (emulated) to create.
        else if (n.type == "network") continue;
        else if (n.type == "ipc") c.flags |= CLONE_NEWIPC;
        else if (n.type == "uts") c.flags |= CLONE_NEWUTS, c.uts = true;
        else if (n.type == "cgroup") c.flags |= CLONE_NEWCGROUP;
        else if (n.type == "user" || n.type == "time")
            warnings.push_back("the " + n.type + " namespace is not created inside the VM (the VM is the boundary)");
    }
    return c;
}

Result<std::string> child_message(int fd) {
    auto m = STRATA_TRY(sys::recv_msg(fd, 8192));
    if (m.eof) return std::string();
    return std::move(m.data);
}

Error decode_child_error(const std::string& msg) {
    if (msg.size() < 5) return Error{0, "workload: malformed error"};
    int32_t code = 0;
    std::memcpy(&code, msg.data() + 1, 4);
    return Error{code, msg.substr(5)};
}

// Until the child reports ready (or why it could not get there).
Result<> wait_ready(const Workload& w) {
    std::string msg = STRATA_TRY(child_message(w.sync.get()));
    if (!msg.empty() && msg[0] == kChildReady) return {};
    int st;
    ::waitpid(w.pid, &st, 0);
    if (msg.empty()) return error("the workload exited while it was being set up");
    return std::unexpected(decode_child_error(msg));
}

// The pty's master from the child (terminal.h); its stdin and stdout are copies of it.
Result<> take_terminal(Workload& w) {
    w.pty = receive_terminal(w.terminal.get());
    w.terminal.reset();
    if (!w.pty) return error("process.terminal: the workload sent no pty");
    w.stdin_w.reset(::fcntl(w.pty.get(), F_DUPFD_CLOEXEC, 0));
    w.stdout_r.reset(::fcntl(w.pty.get(), F_DUPFD_CLOEXEC, 0));
    if (!w.stdin_w || !w.stdout_r) return os_error(errno, "dup the workload's pty master");
    return {};
}

}  // namespace

Result<Workload> clone_workload(ChildContext ctx, uint64_t flags, UniqueFd cgroup, int join_pid, bool own_pid_namespace) {
    const spec::Spec& spec = ctx.guest->spec;
    int in[2], out[2], err[2];
    if (::pipe2(in, O_CLOEXEC) < 0 || ::pipe2(out, O_CLOEXEC) < 0 || ::pipe2(err, O_CLOEXEC) < 0)
        return os_error(errno, "pipes for the workload's stdio");
    UniqueFd in_r(in[0]), in_w(in[1]), out_r(out[0]), out_w(out[1]), err_r(err[0]), err_w(err[1]);
    auto pair = STRATA_TRY(sys::socketpair_seqpacket());
    sys::SocketPair term;
    if (spec.process->terminal) term = STRATA_TRY(sys::socketpair_seqpacket());

    sys::CloneArgs ca;
    ca.flags = flags;
    if (cgroup) {
        ca.flags |= CLONE_INTO_CGROUP;
        ca.cgroup_fd = cgroup.get();
    }
    // Joining a pid namespace applies to children: the agent enters it for the clone only.
    UniqueFd own_pid;
    if (join_pid >= 0) {
        own_pid = STRATA_TRY(sys::open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC));
        STRATA_TRY(sys::setns(join_pid, CLONE_NEWPID, "the pod's pid namespace"));
    }
    auto child = sys::clone3(ca);
    if (child && child->pid == 0) {
        ctx.sync = pair.b.get();
        ctx.stdio[0] = in_r.get();
        ctx.stdio[1] = out_w.get();
        ctx.stdio[2] = err_w.get();
        ctx.terminal = term.b ? term.b.get() : -1;
        run_child(ctx);
    }
    if (own_pid) STRATA_TRY(sys::setns(own_pid.get(), CLONE_NEWPID, "the agent's pid namespace again"));
    if (!child) return wrap(child.error(), "start the workload");
    pair.b.reset();
    term.b.reset();
    Workload w;
    w.pid = child->pid;
    w.sync = std::move(pair.a);
    w.own_pid_namespace = own_pid_namespace;
    w.waits_for_go = ctx.wait_for_go;
    w.cgroup = std::move(cgroup);
    w.seccomp = ctx.guest->seccomp ? &*ctx.guest->seccomp : nullptr;
    mark("cloned");
    for (const char* type : {"mnt", "ipc"}) {
        int fd = ::open(("/proc/" + std::to_string(w.pid) + "/ns/" + type).c_str(), O_RDONLY | O_CLOEXEC);
        if (fd >= 0) w.kept_namespaces.emplace_back(fd);  // only an optimisation: no error
    }
    w.terminal = std::move(term.a);
    if (w.waits_for_go) STRATA_TRY(wait_ready(w));
    if (w.terminal) {
        // Opened before the child reports ready; with start_at_once, by start_workload.
        if (w.waits_for_go) STRATA_TRY(take_terminal(w));
        return w;
    }
    w.stdin_w = std::move(in_w);
    w.stdout_r = std::move(out_r);
    w.stderr_r = std::move(err_r);
    for (int fd : {w.stdin_w.get(), w.stdout_r.get(), w.stderr_r.get()})
        ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    return w;
}

Result<Workload> prepare_workload(const vm::agent::StartConfig& sc, const vm::agent::GuestSpec& guest,
                                  std::vector<std::string>& warnings) {
    const spec::Spec& spec = guest.spec;
    STRATA_TRY(mount_rootfs(sc));
    STRATA_TRY(mount_share(guest.mounts));
    NsChoice ns = choose_namespaces(spec, warnings);
    UniqueFd cgroup = STRATA_TRY(make_workload_cgroup(spec, warnings));
    mark("rootfs");
    ChildContext ctx;
    ctx.guest = &guest;
    ctx.wait_for_go = !sc.start_at_once;
    ctx.new_uts = ns.uts;
    return clone_workload(std::move(ctx), ns.flags, std::move(cgroup), -1, ns.pid);
}

Result<> start_workload(Workload& w) {
    if (w.waits_for_go) STRATA_TRY(sys::send_msg(w.sync.get(), std::string(1, kChildGo)));
    // No master (the child failed before it opened one): its error comes next.
    else if (w.terminal) (void)take_terminal(w);
    std::string msg = STRATA_TRY(child_message(w.sync.get()));
    w.sync.reset();
    if (msg.empty()) return {};
    return std::unexpected(decode_child_error(msg));
}

}  // namespace strata::agent
