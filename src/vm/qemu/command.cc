#include "vm/qemu/command.h"

#include "vm/agent_protocol.h"

namespace strata::vm::qemu {

std::string fd_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

std::vector<std::string> command_line(const std::string& qemu, const VmConfig& c, const FdLayout& fds) {
    // microvm: no PCI, no firmware tables beyond what it needs, virtio-mmio transports. With
    // acpi=off QEMU appends `virtio_mmio.device=` entries to the cmdline for the devices it
    // creates (strata's kernel reads those); with ACPI on it describes them in the DSDT instead
    // (Debian's kernels, whose virtio-mmio driver has no cmdline devices).
    std::vector<std::string> a = {qemu,
                                  "-M", std::string("microvm,acpi=") + (c.acpi ? "on" : "off"),
                                  "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot"};
    if (c.kvm) {
        // QEMU 7.2's plain -cpu host aborts setting MSR 0x10a (ARCH_CAPABILITIES) on some hosts.
        a.insert(a.end(), {"-accel", "kvm", "-cpu", "host,-arch-capabilities"});
    } else {
        a.insert(a.end(), {"-accel", "tcg", "-cpu", "max"});
    }
    a.insert(a.end(), {"-smp", std::to_string(c.vcpus), "-m", std::to_string(c.mem_mib)});
    a.insert(a.end(), {"-kernel", c.kernel, "-initrd", c.initrd, "-append", c.cmdline});
    if (fds.console >= 0) {
        a.insert(a.end(), {"-chardev", "file,id=console,path=" + fd_path(fds.console), "-serial", "chardev:console"});
    }
    for (size_t i = 0; i < c.disks.size() && i < fds.disks.size(); ++i) {
        std::string id = "disk" + std::to_string(i);
        a.insert(a.end(), {"-drive", "id=" + id + ",if=none,format=raw,file=" + fd_path(fds.disks[i]) +
                                         (c.disks[i].readonly ? ",readonly=on" : ""),
                           "-device", "virtio-blk-device,drive=" + id});
    }
    // The agent channel: a named virtio-serial port, not a console port (virtconsole): QEMU
    // drops a console port's output when the host end is not reading fast enough (it cannot
    // throttle the guest's hvc driver), while a plain port applies backpressure.
    a.insert(a.end(), {"-chardev", "socket,id=agent,fd=" + std::to_string(fds.agent), "-device", "virtio-serial-device",
                       "-device", std::string("virtserialport,chardev=agent,name=") + agent::kAgentPortName});
    return a;
}

}  // namespace strata::vm::qemu
