// vmm run: boots a micro-VM on strata's own VMM with COM1 on stdin/stdout — the developer's way
// to try a kernel or a test guest. The status says how the guest ended.

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <iostream>

#include "base/round.h"
#include "base/strings.h"
#include "cli/command.h"
#include "vmm/machine.h"

namespace strata::cli {
namespace {

struct VmmRunFlags {
    std::string kernel, initrd, cmdline;
    uint32_t mem = 256, vcpus = 1;
    std::vector<std::string> disks;
    std::vector<std::string> nics;
    std::vector<std::string> shares;
    int console_fd = -1;
    double timeout = 0;
    bool no_pit = false;
};

// DIR or DIR,tag=TAG (the mount tag "strata" unless given, as the micro-VM's share).
vmm::ShareConfig parse_share(const std::string& flag) {
    vmm::ShareConfig sh{flag, "strata"};
    if (auto at = flag.rfind(",tag="); at != std::string::npos) {
        sh.dir = flag.substr(0, at);
        sh.tag = flag.substr(at + 5);
    }
    return sh;
}

// PATH, PATH:ro or PATH:rw (read-only unless :rw).
vmm::DiskConfig parse_disk(const std::string& flag) {
    vmm::DiskConfig d;
    d.path = flag;
    if (flag.size() > 3 && (flag.ends_with(":rw") || flag.ends_with(":ro"))) {
        d.path = flag.substr(0, flag.size() - 3);
        d.read_only = flag.ends_with(":ro");
    }
    return d;
}

// FD[,mac=XX:XX:XX:XX:XX:XX][,mtu=N]: a virtio-net NIC on an inherited tap or datagram socket.
Result<vmm::NicConfig> parse_nic(const std::string& flag) {
    vmm::NicConfig n;
    const auto parts = split(flag, ',');
    auto number = [&](const std::string& text, uint64_t max, const char* what) -> Result<uint64_t> {
        const auto v = parse_uint(text);
        if (!v || *v > max)
            return error("--net-tap " + quote(flag) + ": " + what + " " + quote(text) + " is not a number up to " +
                         std::to_string(max));
        return *v;
    };
    n.fd = static_cast<int>(STRATA_TRY(number(parts.empty() ? "" : parts[0], 1 << 20, "fd")));
    for (size_t i = 1; i < parts.size(); ++i) {
        const std::string& p = parts[i];
        if (p.starts_with("mac=")) {
            n.mac = STRATA_TRY(with_context(vmm::parse_mac(p.substr(4)), "--net-tap " + quote(flag)));
        } else if (p.starts_with("mtu=")) {
            n.mtu = static_cast<uint16_t>(STRATA_TRY(number(p.substr(4), 65535, "mtu")));
        } else {
            return error("--net-tap " + quote(flag) + ": unknown option " + quote(p) + " (mac=, mtu=)");
        }
    }
    return n;
}

// 0 for a guest that ended itself normally (reset, i.e. reboot=k, or shutdown); otherwise a
// status a script can tell apart, in the conventions of timeout(1) and shells.
int exit_status(vmm::ExitReason r) {
    switch (r) {
    case vmm::ExitReason::reset:
    case vmm::ExitReason::shutdown: return 0;
    case vmm::ExitReason::triple_fault: return 2;
    case vmm::ExitReason::timeout: return 124;
    case vmm::ExitReason::stopped: return 130;
    }
    return 1;
}

// The guest has ended and its status is known; destroying the VM makes KVM wait for SRCU grace
// periods (closing the VM fd: 2-16 ms measured; the process's exit too, since KVM's MMU notifier
// sits on its address space) that the caller need not wait for. A child sharing the address
// space (CLONE_VM: the mm outlives this process) and holding a copy of the fd table takes the
// machine over and destroys it; this process exits with the status at once, touching nothing
// more (no destructors, no allocation: the heap is the child's now). run() joined every thread
// of the machine, so there is nothing else running. If clone fails, the teardown happens here.
int destroy_machine(void* machine) {
    int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);  // the caller's pipes see EOF at our exit
    for (int fd = 0; fd <= 2; ++fd) (null >= 0) ? ::dup2(null, fd) : ::close(fd);
    delete static_cast<vmm::Machine*>(machine);
    ::_exit(0);
}

int exit_leaving_teardown(std::unique_ptr<vmm::Machine> machine, int status) {
    std::cout.flush();
    std::cerr.flush();
    constexpr size_t kStack = 256 * 1024;
    void* stack = ::mmap(nullptr, kStack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) return status;
    vmm::Machine* doomed = machine.release();
    if (::clone(destroy_machine, static_cast<char*>(stack) + kStack, CLONE_VM | SIGCHLD, doomed) < 0) {
        delete doomed;
        return status;
    }
    ::_exit(status);
}

Result<int> vmm_run(const VmmRunFlags& f) {
    vmm::MachineConfig c;
    c.kernel = f.kernel;
    c.initrd = f.initrd;
    c.cmdline = f.cmdline;
    c.mem_mib = f.mem;
    c.vcpus = f.vcpus;
    for (const auto& d : f.disks) c.disks.push_back(parse_disk(d));
    c.serial_in = STDIN_FILENO;
    c.serial_out = STDOUT_FILENO;
    c.console_fd = f.console_fd;
    for (const auto& n : f.nics) c.nics.push_back(STRATA_TRY(parse_nic(n)));
    for (const auto& sh : f.shares) c.shares.push_back(parse_share(sh));
    c.pit = !f.no_pit;
    c.pit_reinject = true;  // its SRCU wait moves to the teardown, which a child does (below)
    auto machine = STRATA_TRY(vmm::Machine::create(c));
    const auto timeout = std::chrono::milliseconds(round_to_int64(f.timeout * 1000));
    const vmm::ExitReason why = STRATA_TRY(machine->run(timeout));
    const int status = exit_status(why);
    if (status != 0) std::cerr << "strata: vmm: guest ended: " << vmm::to_string(why) << "\n";
    return exit_leaving_teardown(std::move(machine), status);
}

}  // namespace

void add_vmm(CLI::App& app, Globals& g) {
    static VmmRunFlags flags;
    auto* f = &flags;
    auto* vmm = app.add_subcommand("vmm", "strata's own KVM VMM (developer commands)");
    vmm->require_subcommand(1);
    auto* run = vmm->add_subcommand("run", "boot a kernel or test guest; serial console on stdin/stdout");
    run->add_option("--kernel", f->kernel, "bzImage, vmlinux (PVH or 64-bit entry) or ELF64 guest")->required();
    run->add_option("--initrd", f->initrd, "initramfs to load");
    run->add_option("--cmdline", f->cmdline, "kernel command line (virtio_mmio.device= entries are appended)");
    run->add_option("--mem", f->mem, "guest memory in MiB")->capture_default_str();
    run->add_option("--vcpus", f->vcpus, "number of vCPUs")->capture_default_str();
    run->add_option("--disk", f->disks, "virtio-blk disk PATH[:rw] (read-only unless :rw); repeatable");
    run->add_option("--console-fd", f->console_fd, "join virtio-console port 0 (hvc0) to this inherited fd");
    run->add_option("--net-tap", f->nics,
                    "virtio-net NIC on an inherited tap (IFF_TAP|IFF_NO_PI, optionally IFF_VNET_HDR) or "
                    "SOCK_SEQPACKET fd: FD[,mac=52:54:00:12:34:56][,mtu=1500]; repeatable");
    run->add_option("--share", f->shares,
                    "virtio-9p export of a host directory (9P2000.L, passthrough): DIR[,tag=strata]; repeatable");
    run->add_option("--timeout", f->timeout, "stop the guest after this many seconds (exit status 124)");
    run->add_flag("--no-pit", f->no_pit, "no i8254 PIT (for guests that only use the LAPIC timer)");
    run->parse_complete_callback([&g, f] { g.command = [f] { return vmm_run(*f); }; });
}

}  // namespace strata::cli
