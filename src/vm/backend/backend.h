#pragma once
// The hypervisor behind strata's micro-VMs. Two implementations: QEMU's microvm machine
// (vm/backend/qemu/, a child process) and, later, strata's own KVM VMM (src/vmm, in-process threads).
// The monitor (vm/monitor/monitor.h) only sees this interface: it builds a VmConfig, launches, talks to
// the agent over `agent_fd`, and waits for or kills the VM.

#include <sys/types.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace strata::vm {

struct Disk {
    UniqueFd fd;          // opened by the monitor, so a cache prune cannot pull it away
    std::string what;     // for messages ("rootfs image /var/cache/...")
    bool readonly = true;
    // No fd: a disk of this many bytes of zeros with no file behind it. A booted template has
    // one where the VMs restored from it get their rootfs image.
    uint64_t placeholder_bytes = 0;
};

// A NIC: a virtio-net device whose frames go to and come from a tap (vm/net).
struct NetDevice {
    UniqueFd tap;         // IFF_TAP | IFF_NO_PI | IFF_VNET_HDR
    std::string mac;      // "02:42:0a:58:00:05": the device's MAC
    uint32_t mtu = 1500;  // the namespace interface's
};

// Everything a backend needs to boot a guest. Devices are virtio-mmio: the disks in order
// (/dev/vda, ...), then one virtio-console whose port 0 (hvc0) is the agent channel.
struct VmConfig {
    std::string kernel;      // vmlinux (PVH entry) or bzImage
    std::string initrd;      // newc cpio with the agent as /init
    std::string cmdline;     // without device entries: the backend adds what it describes
    unsigned vcpus = 1;
    uint64_t mem_mib = 256;
    bool acpi = false;       // describe devices in ACPI (Debian's modular kernels) not the cmdline
    bool kvm = false;        // hardware acceleration; otherwise software emulation (TCG)
    std::vector<Disk> disks;
    std::vector<NetDevice> nets;  // after the disks
    UniqueFd agent_fd;       // host end of the agent channel: a connected stream socket
    UniqueFd console_fd;     // the guest's serial console (kernel messages) goes here; -1: none
    UniqueFd log_fd;         // the VMM's own diagnostics (QEMU's stderr); -1: none

    // Booted templates (vm/template/template.h; the QEMU backend only). Guest RAM in `ram_file`: shared
    // with the file while a template boots and is saved, a private copy-on-write mapping of it in
    // a VM restored from one. `qmp_fd`: QEMU's end of a QMP control socket. `incoming`: QEMU
    // starts paused and waits for the device state to load (QMP migrate-incoming).
    std::string ram_file;
    bool ram_shared = false;
    UniqueFd qmp_fd;
    bool incoming = false;
};

// A VmConfig with `c`'s shape (kernel, initrd, cmdline, vcpus, mem_mib, acpi, kvm) and nothing
// else: no descriptors, disks or template fields.
inline VmConfig same_shape(const VmConfig& c) {
    VmConfig s;
    s.kernel = c.kernel;
    s.initrd = c.initrd;
    s.cmdline = c.cmdline;
    s.vcpus = c.vcpus;
    s.mem_mib = c.mem_mib;
    s.acpi = c.acpi;
    s.kvm = c.kvm;
    return s;
}

// A running VM. Destroying it kills the VM if it still runs and waits until it is gone. A VM never
// outlives the process that launched it (the monitor): its exit ends the VM too.
class Vm {
public:
    virtual ~Vm() = default;
    // Readable once the VM has stopped (a pidfd for QEMU, an eventfd for an in-process VMM).
    virtual int stopped_fd() const = 0;
    // Reaps the stopped VM; its status text for messages ("exited 0", "killed by SIGKILL").
    virtual Result<std::string> reap() = 0;
    // Stops the VM at once (no guest shutdown) and reaps it.
    virtual void kill() = 0;
    // The VMM's process (QEMU's pid; getpid() for an in-process VMM), for RSS reports.
    virtual pid_t vmm_pid() const = 0;
};

class Backend {
public:
    virtual ~Backend() = default;
    virtual std::string_view name() const = 0;
    virtual Result<std::unique_ptr<Vm>> launch(VmConfig config) = 0;
};

}  // namespace strata::vm
