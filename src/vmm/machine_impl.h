#pragma once
// Machine::Impl: everything one VM owns, in destruction-safe order (declared first = destroyed
// last): guest memory outlives the VM fd that maps it, devices outlive the event loop and vCPU
// threads that call into them. Internal to src/vmm; builder.cc fills it, machine.cc runs it.

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/unique_fd.h"
#include "vmm/devices/bus.h"
#include "vmm/devices/cmos.h"
#include "vmm/devices/event_loop.h"
#include "vmm/devices/i8042.h"
#include "vmm/devices/irq.h"
#include "vmm/devices/serial.h"
#include "vmm/devices/virtio/mmio.h"
#include "vmm/kvm/system.h"
#include "vmm/machine.h"
#include "vmm/memory/guest_memory.h"

namespace strata::vmm {

struct Machine::Impl {
    MachineConfig config;
    std::string cmdline;
    std::string kernel_format;

    GuestMemory memory;
    std::optional<kvm::System> kvm;
    std::optional<kvm::Vm> vm;
    std::vector<kvm::Vcpu> vcpus;

    // Devices and what connects them to KVM.
    std::vector<std::unique_ptr<devices::EventFdIrq>> irqs;
    std::vector<UniqueFd> notify_fds;  // ioeventfds of virtqueue notifies
    std::unique_ptr<devices::Serial> serial;
    std::unique_ptr<devices::Cmos> cmos;
    std::unique_ptr<devices::I8042> i8042;
    std::vector<std::unique_ptr<virtio::MmioTransport>> virtio;
    devices::Bus pio, mmio;
    std::atomic<bool> serial_paused{false}, serial_eof{false};
    // Last: stopped and destroyed before anything its handlers touch.
    std::unique_ptr<devices::EventLoop> loop;

    // Run state.
    std::atomic<bool> stopping{false};
    std::mutex exit_lock;
    std::condition_variable exit_cv;
    std::optional<ExitReason> exit_reason;  // guarded by exit_lock
    std::optional<Error> exit_error;        // guarded by exit_lock
    std::vector<std::thread> vcpu_threads;
    bool ran = false;

    // First caller wins: records why the machine ends and kicks every vCPU.
    void request_exit(ExitReason reason);
    void fail(Error error);
    void kick_vcpus();
    void vcpu_main(kvm::Vcpu& vcpu);
    // Handles one KVM exit; false when this vCPU must stop.
    bool handle_exit(kvm::Vcpu& vcpu);
};

// The signal that kicks a vCPU thread out of KVM_RUN.
int kick_signal();

}  // namespace strata::vmm
