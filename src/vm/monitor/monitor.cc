#include "vm/monitor/monitor.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "base/fault.h"
#include "base/log.h"
#include "base/strings.h"
#include "netlink/links.h"
#include "ns/uts.h"
#include "sys/clock.h"
#include "sys/file.h"
#include "sys/mount.h"
#include "sys/ns.h"
#include "sys/process.h"
#include "sys/socket.h"
#include "vm/assets/assets.h"
#include "vm/assets/initramfs.h"
#include "vm/assets/rootfs_image.h"
#include "vm/backend/agent_channel.h"
#include "vm/backend/backend_select.h"
#include "vm/monitor/exec_socket.h"
#include "vm/monitor/plan.h"
#include "vm/monitor/preflight.h"
#include "vm/monitor/relay.h"
#include "vm/monitor/query_client.h"
#include "vm/net/network.h"
#include "vm/procview/proc_fs.h"
#include "vm/procview/view.h"
#include "vm/protocol/frame_io.h"
#include "vm/protocol/spec_codec.h"
#include "vm/share/share.h"
#include "vm/template/template.h"

namespace strata::vm {
namespace {

struct Booted {
    std::unique_ptr<VmNetwork> net;  // before the VM: the taps outlive QEMU's use of them
    std::unique_ptr<Backend> backend;
    std::unique_ptr<Vm> vm;
    UniqueFd agent;
    agent::FrameParser parser;
    std::string console_log, vmm_log;
    std::string share_dir;  // the staged file share ("" none): every VM of this container gets it
    UniqueFd view_proc;     // the /proc of the namespace's view (procview/view.h), served once the VM runs
};

Error with_guest_logs(Error e, const Booted& b) {
    return vm::with_guest_logs(std::move(e), b.console_log, b.vmm_log);
}

Result<agent::Frame> expect_frame(Booted& b, agent::Msg want, int timeout_ms) {
    return expect_agent_frame(b.agent.get(), b.parser, want, timeout_ms);
}

std::string mac_text(const std::string& bytes) {
    netlink::Mac mac{};
    std::memcpy(mac.data(), bytes.data(), std::min(bytes.size(), mac.size()));
    return netlink::mac_text(mac);
}

// The MAC of NIC `i` in a booted template: the VMs restored from it get the template's device
// state, MAC included, and the agent gives each NIC its interface's MAC. Locally administered.
std::string template_nic_mac(size_t i) { return std::string("\x02\x53\x54\x00\x00", 5) + char(i + 1); }

// Sizes the VMM's end of the agent channel and returns the agent's output window for it. QEMU
// drops what the guest writes to a console port once this socket's send buffer is full, so the
// window (in agent::output_cost units, which cover the buffer's accounting) must fit in it, with
// room left for the frames outside the window (hello, prepared, acks, exit...).
Result<uint32_t> size_agent_channel(int vmm_end) {
    int wanted = 1 << 20;
    // SO_SNDBUFFORCE passes net.core.wmem_max (root); otherwise SO_SNDBUF is capped by it.
    if (::setsockopt(vmm_end, SOL_SOCKET, SO_SNDBUFFORCE, &wanted, sizeof wanted) < 0)
        (void)::setsockopt(vmm_end, SOL_SOCKET, SO_SNDBUF, &wanted, sizeof wanted);
    int got = 0;  // the kernel's doubled value: the budget it accounts the queued buffers against
    socklen_t len = sizeof got;
    if (::getsockopt(vmm_end, SOL_SOCKET, SO_SNDBUF, &got, &len) < 0) return os_error(errno, "getsockopt SO_SNDBUF of the agent channel");
    constexpr int kControlRoom = 64 << 10;
    // The workload's half must hold one whole frame (agent_protocol.h shares the window out).
    constexpr int kMinWindow = 2 * static_cast<int>(agent::output_cost(agent::kMaxData));
    if (got - kControlRoom < kMinWindow)
        return os_error(ENOBUFS, "the agent channel's socket buffer is " + std::to_string(got) + " bytes; at least " +
                                     std::to_string(kControlRoom + kMinWindow) + " are needed (net.core.wmem_max)");
    return static_cast<uint32_t>(got - kControlRoom);
}

// What config.json asks for that the guest does not do (yet): said once, at create.
void warn_unsupported(const spec::Spec& spec) {
    auto warn = [](const std::string& what) { log::warn("vm: " + what + " is not applied inside the VM"); };
    if (!spec.linux) return;
    if (!spec.linux->uid_mappings.empty() || !spec.linux->gid_mappings.empty()) warn("a user namespace (uid/gid mappings)");
    if (spec.linux->personality) warn("linux.personality");
}

// A uts namespace joined by path (a pod's) is a host namespace the guest cannot join: the guest's
// new one gets its names (ns/uts.h), unless config.json sets its own, which a container would
// set in the joined namespace too.
Result<spec::Spec> with_joined_uts_names(const spec::Spec& spec) {
    spec::Spec out = spec;
    if (!spec.linux) return out;
    for (const auto& n : spec.linux->namespaces) {
        if (n.type != "uts" || n.path.empty()) continue;
        ns::UtsNames names = STRATA_TRY(with_context(ns::uts_names_at(n.path), "config.json: .linux.namespaces[uts].path"));
        if (out.hostname.empty()) out.hostname = names.hostname;
        if (out.domainname.empty()) out.domainname = names.domainname;
    }
    return out;
}

// A fresh agent channel for the next launch: the monitor keeps one end, the VM gets the other.
Result<UniqueFd> new_agent_channel(Booted& b, agent::StartConfig& sc) {
    auto pair = STRATA_TRY(with_context(sys::socketpair_stream(), "the agent channel"));
    b.agent = std::move(pair.a);
    b.parser = agent::FrameParser();
    sc.output_window = STRATA_TRY(size_agent_channel(pair.b.get()));
    return std::move(pair.b);
}

// The container's VM from `shape` (kernel, initrd, size...): its own logs, agent channel and
// rootfs disk. Called again for a cold boot after a template failed to restore.
Result<VmConfig> container_vm(const VmConfig& shape, int rootfs_image, Booted& b, agent::StartConfig& sc) {
    VmConfig c = same_shape(shape);
    if (rootfs_image >= 0) {
        Disk d;
        d.fd.reset(::fcntl(rootfs_image, F_DUPFD_CLOEXEC, 0));
        if (!d.fd) return os_error(errno, "dup the rootfs image's fd");
        d.what = "rootfs image";
        c.disks.push_back(std::move(d));
    }
    c.nets.clear();  // the shape's MACs are those in sc.nics' device_mac
    for (size_t i = 0; b.net && i < b.net->nics.size(); ++i) {
        NetDevice n;
        n.tap.reset(::fcntl(b.net->nics[i].tap.get(), F_DUPFD_CLOEXEC, 0));
        if (!n.tap) return os_error(errno, "dup a tap's fd");
        n.mac = mac_text(sc.nics[i].device_mac);
        if (sc.nics[i].mtu) n.mtu = sc.nics[i].mtu;
        c.nets.push_back(std::move(n));
    }
    c.console_fd = STRATA_TRY(sys::open(b.console_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    c.log_fd = STRATA_TRY(sys::open(b.vmm_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    c.agent_fd = STRATA_TRY(new_agent_channel(b, sc));
    c.share_dir = b.share_dir;  // the tag came with the shape
    return c;
}

// The config, with the host's clock at the moment it leaves.
Result<> send_config(Booted& b, agent::StartConfig& sc) {
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    sc.realtime_ns = uint64_t(now.tv_sec) * 1000000000 + uint64_t(now.tv_nsec);
    return send_to_agent(b.agent.get(), agent::Msg::config, agent::encode(sc));
}

// b.vm restored from the booted template of `shape` (built first if this shape has none), with
// its config sent. QEMU can run a guest that is not alive (its RAM file gone or torn): the agent
// must answer the `sync` sent ahead of the config, or the template is discarded (and b.vm empty).
Result<> launch_from_template(Booted& b, const std::string& qemu, const VmConfig& shape, int rootfs_image,
                              agent::StartConfig& sc, const std::string& work_dir) {
    constexpr int kAliveTimeoutMs = 15000;
    int64_t t0 = sys::monotonic_ms();
    bool built = false;
    Template t = STRATA_TRY(ensure_template(*b.backend, qemu, shape, work_dir, &built));
    if (built)
        log::info("vm: booted and saved a template for this VM shape in " + std::to_string(sys::monotonic_ms() - t0) +
                  " ms (" + t.state + ")");
    VmConfig c = STRATA_TRY(container_vm(shape, rootfs_image, b, sc));
    auto alive = [&]() -> Result<> {
        b.vm = STRATA_TRY(restore_template(*b.backend, t, std::move(c)));
        STRATA_TRY(send_to_agent(b.agent.get(), agent::Msg::sync));
        STRATA_TRY(send_config(b, sc));
        STRATA_TRY(expect_frame(b, agent::Msg::synced, kAliveTimeoutMs));
        return {};
    }();
    if (!alive) {
        b.vm.reset();
        Error e = with_guest_logs(alive.error(), b);  // before a boot truncates the logs
        discard_template(t, e.message());
        return std::unexpected(e);
    }
    log::debug("vm: restored from template " + t.state + " in " + std::to_string(sys::monotonic_ms() - t0) + " ms");
    return {};
}

// Moves the monitor into a mount namespace of its own whose mounts do not propagate back to the
// host's. Slave, not private: the host's later mounts (a volume's submounts) still arrive.
Result<> own_mount_namespace() {
    STRATA_TRY(with_context(sys::unshare(CLONE_NEWNS), "vm: a mount namespace for the monitor"));
    return with_context(sys::mount("", "/", "", MS_REC | MS_SLAVE, ""), "vm: the monitor's mount namespace");
}

// Everything before `ready`: assets, the VM (restored from a booted template, or booted), the
// agent's hello on a boot, the prepared workload.
Result<> prepare(const MonitorOptions& opts, Booted& b) {
    const spec::Spec& spec = *opts.spec;
    int64_t t0 = sys::monotonic_ms();
    VmPlan plan = STRATA_TRY(plan_vm(spec, opts.kernel, opts.backend, opts.template_mode));
    warn_unsupported(spec);
    // First of all: a bad namespace fails before anything is built or launched.
    spec::Spec guest_spec = STRATA_TRY(with_joined_uts_names(spec));
    // A mount namespace of the monitor's own, before it starts anything: the file share's binds
    // live there, and its root becomes the view an engine joining it sees (Podman's `top`).
    {
        int64_t tv = sys::monotonic_us();
        STRATA_TRY(own_mount_namespace());
        if (auto proc = procview::enter_view(opts.work_dir + "/view", opts.rootfs); proc)
            b.view_proc = std::move(*proc);
        else
            log::warn(proc.error().message() + ": `podman top` will show the VM's host processes");
        log::debug("vm: own mount namespace and its view in " + std::to_string(sys::monotonic_us() - tv) + " us");
    }
    {
        auto tn = std::chrono::steady_clock::now();
        b.net = STRATA_TRY(attach_network(spec));
        auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - tn).count();
        if (!b.net->nics.empty())  // bench/vm.sh reads this line
            log::debug("vm: network of " + std::to_string(b.net->nics.size()) + " interface(s) attached in " + std::to_string(us) + " us");
    }
    agent::StartConfig sc;
    for (const auto& nic : b.net->nics) sc.nics.push_back(nic.config);
    sc.spec = STRATA_TRY(agent::encode_spec(guest_spec, guest_shm_bytes(spec, opts.bundle),
                                            opts.seccomp ? &*opts.seccomp : nullptr, opts.hook_state));
    // The file share first: a bind source that vanished fails create before any asset work.
    std::vector<ShareBind> binds = STRATA_TRY(plan_share(spec, opts.bundle));
    const bool share = !binds.empty() || opts.pod_sandbox;
    if (share) {
        auto ts = std::chrono::steady_clock::now();
        b.share_dir = opts.work_dir + "/share";
        STRATA_TRY(stage_share(binds, b.share_dir, opts.rootfs));
        auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - ts).count();
        log::debug("vm: file share of " + std::to_string(binds.size()) + " bind mount(s) staged in " + std::to_string(us) + " us");
    }
    const HostVirt& host = host_virt();
    HostParts parts = STRATA_TRY(find_host_parts(plan, share));
    const BackendChoice& choice = parts.choice;
    const Kernel& kernel = parts.kernel;
    const std::string& agent_bin = parts.agent;
    log::debug("vm: backend: " + choice.reason);
    b.backend = STRATA_TRY(make_backend(choice, host));
    log::debug("vm: kernel " + kernel.path + " (" + kernel.origin + ")");

    // A booted template where the backend (QEMU) and the kernel (a bzImage) allow it; its VMs
    // get the rootfs on their disk. Otherwise a boot, with the rootfs inside the initramfs when
    // small (no disk to probe and mount), else on erofs.
    std::optional<std::string> template_kernel_path;
    if (plan.booted_template && choice.kind == BackendKind::qemu && plan.rootfs != RootfsMode::initramfs)
        template_kernel_path = template_kernel(kernel);
    RootfsDigest digest = STRATA_TRY(with_context(digest_rootfs(opts.rootfs), "rootfs"));
    bool in_initramfs = !template_kernel_path && (plan.rootfs == RootfsMode::initramfs ||
                                                  (plan.rootfs == RootfsMode::automatic && digest.bytes <= kInitramfsRootfsMax));
    InitramfsInputs ii;
    ii.agent = agent_bin;
    ii.modules = kernel.modules;
    UniqueFd rootfs_image;
    if (in_initramfs) {
        ii.rootfs = opts.rootfs;
        ii.rootfs_digest = &digest;
        sc.rootfs = agent::RootfsKind::initramfs;
        sc.rootfs_source = kInitramfsRootfs;
    } else {
        std::string image = STRATA_TRY(erofs_image(opts.rootfs, digest));
        rootfs_image = STRATA_TRY(sys::open(image, O_RDONLY | O_CLOEXEC));
        sc.rootfs = agent::RootfsKind::erofs;
        sc.rootfs_source = "/dev/vda";
    }
    VmConfig shape;
    shape.initrd = STRATA_TRY(build_initramfs(ii));
    shape.kernel = kernel.path;
    shape.acpi = kernel.acpi;
    shape.kvm = choice.kvm;
    shape.vcpus = plan.vcpus;
    shape.mem_mib = plan.mem_mib;
    shape.cmdline = guest_cmdline(choice.kvm, host.tsc_khz);
    // With a share the template has the 9p device too (vm/template/template.cc).
    if (share) shape.share_tag = agent::kShareTag;

    STRATA_TRY(sys::mkdir_all(opts.work_dir, 0700));
    STRATA_TRY(b.net->save_record(opts.work_dir + "/" + kNetworkRecord));
    b.console_log = opts.work_dir + "/console.log";
    b.vmm_log = opts.work_dir + "/vmm.log";
    // What a VM restored from a template would otherwise share with its siblings.
    sc.entropy.resize(agent::kEntropyBytes);
    if (::getrandom(sc.entropy.data(), sc.entropy.size(), 0) != static_cast<ssize_t>(sc.entropy.size()))
        return os_error(errno, "getrandom for the guest's entropy");
    sc.start_at_once = opts.start_at_once;
    sc.trace = log::debug_enabled();
    int64_t t1 = sys::monotonic_ms();
    log::debug("vm: assets ready in " + std::to_string(t1 - t0) + " ms (rootfs " +
               (in_initramfs ? "in the initramfs" : "as erofs") + ", " + std::to_string(digest.bytes >> 10) + " KiB)");

    int boot_timeout = choice.kvm ? 20000 : 90000;
    if (template_kernel_path) {
        VmConfig template_shape = same_shape(shape);
        template_shape.kernel = *template_kernel_path;
        // As many NICs as this VM has, each connected to nothing until a restore gives it a tap.
        for (size_t i = 0; i < sc.nics.size(); ++i) {
            sc.nics[i].device_mac = template_nic_mac(i);
            template_shape.nets.push_back({UniqueFd(), mac_text(sc.nics[i].device_mac)});
        }
        if (auto r = launch_from_template(b, host.qemu, template_shape, rootfs_image.get(), sc, opts.work_dir); !r)
            log::warn("vm: no booted template (" + r.error().message() + "); booting the VM");
    }
    int64_t t2 = sys::monotonic_ms();
    if (!b.vm) {
        for (auto& nic : sc.nics) nic.device_mac = nic.mac;  // a booted NIC has the interface's MAC
        VmConfig c = STRATA_TRY(container_vm(shape, rootfs_image.get(), b, sc));
        b.vm = STRATA_TRY(with_context(b.backend->launch(std::move(c)), "launch the VM"));
        fault::point("init.vm_booting");  // QEMU runs the guest's kernel, the agent not up yet
        auto hello_frame = expect_frame(b, agent::Msg::hello, boot_timeout);
        if (!hello_frame) return std::unexpected(with_guest_logs(hello_frame.error(), b));
        auto hello = STRATA_TRY(agent::decode_hello(hello_frame->payload));
        STRATA_TRY(agent::check_version(hello));
        t2 = sys::monotonic_ms();
        log::debug("vm: agent up " + std::to_string(t2 - t1) + " ms after launch; guest uptime at /init " +
                   std::to_string(hello.uptime_us / 1000) + " ms");
        STRATA_TRY(send_config(b, sc));
    }
    auto prepared = expect_frame(b, agent::Msg::prepared, boot_timeout);
    if (!prepared) return std::unexpected(with_guest_logs(wrap(prepared.error(), "vm: prepare the workload in the guest").error(), b));
    log::debug("vm: workload prepared " + std::to_string(sys::monotonic_ms() - t2) + " ms after the config");
    fault::point("init.vm_prepared");  // the workload waits in the guest, `ready` not yet sent
    return {};
}

// The guest's workload as the /proc of the namespace's view. Only once the VM runs (the FUSE
// server is a thread, and until QEMU is started the monitor forks and allocates in the child),
// but before `start` returns.
std::unique_ptr<procview::ProcFs> serve_guest_proc(const std::string& work_dir, int view_proc) {
    auto ask = [work_dir]() -> Result<agent::GuestProcesses> {
        std::string answer = STRATA_TRY(ask_guest(work_dir, agent::Query::processes, "procview", kGuestAnswerTimeoutS));
        return agent::decode_processes(answer);
    };
    auto served = [&]() -> Result<std::unique_ptr<procview::ProcFs>> {
        auto fs = STRATA_TRY(procview::ProcFs::create(std::move(ask)));
        STRATA_TRY(fs->mount_on(view_proc));
        fs->serve();
        return fs;
    }();
    if (!served) {
        log::warn("vm: " + served.error().message() + ": `podman top` will list no process");
        return nullptr;
    }
    return std::move(*served);
}

// The exec socket (exec_socket.h), 0600 in the 0700 work dir.
Result<UniqueFd> open_exec_socket(const std::string& work_dir) {
    UniqueFd dir = STRATA_TRY(sys::open(work_dir, O_PATH | O_DIRECTORY | O_CLOEXEC));
    ::unlinkat(dir.get(), kExecSocket, 0);
    UniqueFd l = STRATA_TRY(with_context(sys::listen_at(dir.get(), kExecSocket, SOCK_SEQPACKET), "the exec socket in " + work_dir));
    if (::fchmodat(dir.get(), kExecSocket, 0600, 0) < 0) return os_error(errno, "chmod the exec socket in " + work_dir);
    ::fcntl(l.get(), F_SETFL, ::fcntl(l.get(), F_GETFL) | O_NONBLOCK);
    return l;
}

}  // namespace

void run_monitor(const MonitorOptions& opts, const MonitorHooks& hooks) {
    (void)sys::set_name("strata:vm");
    // A monitor writing to a closed stdout must see EPIPE (and tell the workload), not die.
    ::signal(SIGPIPE, SIG_IGN);
    Booted b;
    auto prepared = prepare(opts, b);
    if (!prepared) {
        b.vm.reset();  // kills QEMU before create reports
        b.net.reset();  // and removes the redirects
        hooks.fail(prepared.error());
    }
    // prestart and createRuntime, on the host, once the VM and the workload in it are prepared.
    if (auto h = hooks.create_hooks ? hooks.create_hooks() : Result<>{}; !h) {
        b.vm.reset();
        b.net.reset();
        hooks.fail(h.error());
    }
    if (!hooks.ready()) {
        b.net.reset();
        ::_exit(1);
    }
    // Until 'go' the monitor keeps default signal handling: a signal that ends it (kill of a
    // created container) ends QEMU too, through PR_SET_PDEATHSIG.
    if (!hooks.wait_for_go()) {
        b.net.reset();
        ::_exit(1);
    }
    sigset_t all;
    sigfillset(&all);
    ::sigprocmask(SIG_BLOCK, &all, nullptr);
    UniqueFd sigfd(::signalfd(-1, &all, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!sigfd) hooks.fail(Error{errno, "vm: signalfd"});

    auto started = [&]() -> Result<> {
        // With start_at_once the agent sends `started` without waiting for `start`.
        if (!opts.start_at_once) STRATA_TRY(send_to_agent(b.agent.get(), agent::Msg::start));
        STRATA_TRY(expect_frame(b, agent::Msg::started, 60000));
        return {};
    }();
    if (!started) {
        b.vm.reset();
        b.net.reset();
        hooks.fail(started.error());
    }
    // Listening before start returns: an engine may exec the moment it does (podman run -d,
    // then a healthcheck).
    auto exec_listener = open_exec_socket(opts.work_dir);
    if (!exec_listener) log::warn("vm: exec will not work in this container: " + exec_listener.error().message());
    // Served before start returns too: an engine may list the processes the moment it does.
    std::unique_ptr<procview::ProcFs> guest_proc;
    if (b.view_proc && exec_listener) {
        int64_t t = sys::monotonic_us();
        guest_proc = serve_guest_proc(opts.work_dir, b.view_proc.get());
        log::debug("vm: the guest's /proc served in " + std::to_string(sys::monotonic_us() - t) + " us");
    }
    hooks.started();
    int64_t t_start = sys::monotonic_ms();
    RelayOptions ro;
    ro.exec_listener = exec_listener ? exec_listener->get() : -1;
    ro.terminal = opts.terminal ? 0 : -1;
    if (opts.pod_sandbox) ro.share_dir = b.share_dir;
    auto status = relay_workload(b.agent.get(), b.parser, *b.vm, sigfd.get(), ro);
    if (status) log::debug("vm: workload exited " + std::to_string(sys::monotonic_ms() - t_start) + " ms after start");
    // The guest has nothing left to do once the status is in. The monitor exits at once and the
    // VM ends with it (the backend's contract: QEMU dies by PR_SET_PDEATHSIG, an in-process VMM
    // with the process), so the caller does not wait for the guest's shutdown or the VMM's
    // teardown of guest memory.
    b.net.reset();  // the redirects go; QEMU and the taps go with the monitor
    if (!status) {
        log::error(with_guest_logs(status.error(), b).message());
        ::_exit(255);
    }
    ::_exit(status->shell_status());
}

}  // namespace strata::vm
