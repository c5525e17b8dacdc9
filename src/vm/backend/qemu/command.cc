#include "vm/backend/qemu/command.h"


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
    if (!c.ram_file.empty()) {
        a[2] += ",memory-backend=ram";
        a.insert(a.end(), {"-object", "memory-backend-file,id=ram,size=" + std::to_string(c.mem_mib) + "M,mem-path=" +
                                          c.ram_file + ",share=" + (c.ram_shared ? "on" : "off")});
    }
    a.insert(a.end(), {"-kernel", c.kernel, "-initrd", c.initrd, "-append", c.cmdline});
    if (fds.console >= 0) {
        a.insert(a.end(), {"-chardev", "file,id=console,path=" + fd_path(fds.console), "-serial", "chardev:console"});
    }
    for (size_t i = 0; i < c.disks.size() && i < fds.disks.size(); ++i) {
        std::string id = "disk" + std::to_string(i);
        if (fds.disks[i] < 0) {
            a.insert(a.end(), {"-blockdev", "driver=null-co,node-name=" + id + ",size=" +
                                                std::to_string(c.disks[i].placeholder_bytes) + ",read-zeroes=on" +
                                                (c.disks[i].readonly ? ",read-only=on" : "")});
        } else {
            a.insert(a.end(), {"-drive", "id=" + id + ",if=none,format=raw,file=" + fd_path(fds.disks[i]) +
                                             (c.disks[i].readonly ? ",readonly=on" : "")});
        }
        a.insert(a.end(), {"-device", "virtio-blk-device,drive=" + id});
    }
    // vhost-net would move the data path into the host kernel; not needed under emulation, and
    // it is one more device node (/dev/vhost-net) a VMM must be allowed.
    for (size_t i = 0; i < c.nets.size() && i < fds.nets.size(); ++i) {
        std::string id = "net" + std::to_string(i);
        a.insert(a.end(), {"-netdev", "tap,id=" + id + ",fd=" + std::to_string(fds.nets[i]) + ",vhost=off", "-device",
                           "virtio-net-device,netdev=" + id + ",mac=" + c.nets[i].mac});
    }
    // The agent channel: port 0 of a single-port virtio-console (the guest's hvc0). A
    // multiport device with a named virtserialport costs the guest ~30 ms more under emulation
    // (control queue, port announcements, their sysfs entries) before the agent can talk. QEMU
    // drops a console port's output when the host socket is full; the protocol's output window
    // (agent_protocol.h) keeps it from filling.
    a.insert(a.end(), {"-chardev", "socket,id=agent,fd=" + std::to_string(fds.agent), "-device",
                       "virtio-serial-device,max_ports=1", "-device", "virtconsole,chardev=agent"});
    if (fds.qmp >= 0)
        a.insert(a.end(), {"-chardev", "socket,id=qmp,fd=" + std::to_string(fds.qmp), "-mon", "chardev=qmp,mode=control"});
    if (c.incoming) a.insert(a.end(), {"-incoming", "defer"});
    return a;
}

}  // namespace strata::vm::qemu
