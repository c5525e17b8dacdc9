#pragma once
// strata's own KVM virtual machine monitor: the public API. A Machine is one x86-64 micro-VM
// built from a MachineConfig (kernel, memory, vCPUs, disks, console, NICs) and run until the
// guest resets, shuts down, triple-faults, is stopped, or times out.
//
//   auto m = STRATA_TRY(vmm::Machine::create(cfg));   // builds everything; the guest has not run
//   vmm::ExitReason why = STRATA_TRY(m->run(std::chrono::seconds(30)));
//
// Guest devices: 8250 UART (COM1, IRQ 4) on serial_in/serial_out, CMOS/RTC, i8042 (its reset line
// ends the VM: boot Linux with reboot=k), and virtio-mmio devices — one virtio-blk per disk, then
// a virtio-console (hvc0) on console_fd, then one virtio-net per NIC (eth0, eth1... in Linux),
// then one virtio-9p per file share (mounted by tag) —
// described to the kernel by virtio_mmio.device= entries that create() appends to the command
// line. An MP table describes the vCPUs and the IOAPIC.
//
// Process-wide side effect: the first create() installs an empty handler for SIGRTMIN, the
// signal stop() uses to kick vCPU threads out of KVM_RUN.

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace strata::vmm {

struct DiskConfig {
    std::string path;         // image file or block device
    bool read_only = true;
};

using MacAddress = std::array<uint8_t, 6>;

// One virtio-net NIC joined to a host fd that carries one Ethernet frame per read and write: a
// tap (IFF_TAP | IFF_NO_PI, with or without IFF_VNET_HDR) or a SOCK_SEQPACKET/SOCK_DGRAM socket.
// create() duplicates the fd and makes it non-blocking (the flag is shared with the caller's
// copy, as with QEMU's -netdev tap,fd=N); on a tap it also turns the kernel's offloads off
// (TUNSETOFFLOAD 0), since the device offers the guest none.
struct NicConfig {
    int fd = -1;
    MacAddress mac{};      // all zero: a random locally administered unicast address
    uint16_t mtu = 1500;   // offered to the guest (VIRTIO_NET_F_MTU); 68-65517
};

// "52:54:00:12:34:56" (hex pairs, ':' or '-'); errors name the text.
Result<MacAddress> parse_mac(std::string_view text);
std::string to_string(const MacAddress& mac);

// A host directory exported to the guest over virtio-9p (9P2000.L, QEMU's passthrough security
// model: devices/virtio/p9/server.h), mounted in the guest by `tag`.
struct ShareConfig {
    std::string dir;
    std::string tag;  // 1-255 bytes
};

struct MachineConfig {
    // bzImage, vmlinux ELF (entered via its PVH note if it has one), or any ELF64 test guest.
    std::string kernel;
    std::string initrd;       // optional
    std::string cmdline;      // virtio_mmio.device= entries are appended to it
    uint32_t mem_mib = 256;
    uint32_t vcpus = 1;
    std::vector<DiskConfig> disks;
    int serial_in = -1;       // host fd read into COM1 (-1: no input); not owned
    int serial_out = -1;      // host fd COM1 output is written to (-1: dropped); not owned
    int console_fd = -1;      // virtio-console port 0 <-> this fd (socket/pipe); duplicated; -1: none
    std::vector<NicConfig> nics;
    std::vector<ShareConfig> shares;
    // The in-kernel i8254 PIT (missed ticks are not replayed). Linux needs it without MP/ACPI
    // tables or a known TSC rate; kernels with kvm-clock, an MP table and the TSC-deadline LAPIC
    // timer do not. Off saves a few ms of VM setup and teardown.
    bool pit = true;
    // Lost PIT ticks replayed (KVM's default, QEMU's lost_tick_policy=delay) or dropped. Turning
    // replay off costs an SRCU grace period now (KVM unregisters its ack notifier: 12-24 ms
    // measured), leaving it on costs the same at teardown; a caller that tears down off the
    // critical path (`vmm run`) keeps it on.
    bool pit_reinject = false;
};

enum class ExitReason {
    reset,         // i8042 reset (reboot=k) or a KVM reset event: the guest's normal way out
    shutdown,      // KVM system event "shutdown"
    triple_fault,  // KVM_EXIT_SHUTDOWN: the vCPU took a fault it could not handle
    stopped,       // Machine::stop() from the host
    timeout,       // run()'s timeout expired
};
const char* to_string(ExitReason reason);

class Machine {
public:
    // Opens /dev/kvm and builds the VM: memory, devices, the kernel and its boot data, vCPU state.
    // Errors say which step failed and why ("kernel \"x\": ELF: segment at 0x0 is below 1 MiB",
    // "KVM_SET_USER_MEMORY_REGION slot 0 at 0 size 0x10000000: EINVAL").
    static Result<std::unique_ptr<Machine>> create(const MachineConfig& config);
    ~Machine();
    Machine(const Machine&) = delete;
    Machine& operator=(const Machine&) = delete;

    // Runs the guest (one thread per vCPU plus one device thread) until it exits; a zero timeout
    // waits forever. Every thread is joined before it returns. Errors: a vCPU failure (KVM
    // internal error such as an emulation failure, with RIP), or run() called twice.
    Result<ExitReason> run(std::chrono::milliseconds timeout = std::chrono::milliseconds(0));
    // Asks a running machine to stop; run() then returns ExitReason::stopped. Any thread; safe
    // before run() (run() then returns at once) and after.
    void stop();

    // The command line the kernel gets, with the virtio_mmio.device= entries.
    const std::string& cmdline() const;
    // "bzImage", "ELF" or "ELF (PVH)".
    const std::string& kernel_format() const;

    struct Impl;

private:
    explicit Machine(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

// True if this host can run Machines with hardware acceleration: vmx or svm in /proc/cpuinfo and
// /dev/kvm usable. Otherwise false, with the reason in *why (if given), e.g. "no vmx/svm flag in
// /proc/cpuinfo (/dev/kvm here is a software virtualizer)".
bool hardware_virtualization(std::string* why = nullptr);
// True if /dev/kvm opens and has what Machine needs, accelerated or not (reason in *why).
bool kvm_usable(std::string* why = nullptr);

}  // namespace strata::vmm
