#include "vm/backend/own/own_backend.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <thread>

#include "base/strings.h"
#include "vmm/machine.h"

namespace strata::vm {
namespace {

class OwnVm final : public Vm {
public:
    OwnVm(std::unique_ptr<vmm::Machine> m, VmConfig c, UniqueFd event)
        : m_machine(std::move(m)), m_config(std::move(c)), m_event(std::move(event)) {
        m_thread = std::thread([this] {
            m_result = m_machine->run();
            uint64_t one = 1;
            (void)!::write(m_event.get(), &one, sizeof one);
        });
    }
    ~OwnVm() override { kill(); }

    int stopped_fd() const override { return m_event.get(); }

    Result<std::string> reap() override {
        if (m_thread.joinable()) m_thread.join();
        if (!m_result) return std::unexpected(m_result.error());
        // reboot=t ends a guest with a triple fault: that is the agent's normal way out.
        return std::string("exited (") + vmm::to_string(*m_result) + ")";
    }

    void kill() override {
        if (!m_thread.joinable()) return;
        m_machine->stop();
        m_thread.join();
    }

    pid_t vmm_pid() const override { return ::getpid(); }

private:
    std::unique_ptr<vmm::Machine> m_machine;
    VmConfig m_config;  // keeps the disk, agent and console fds the machine uses open
    UniqueFd m_event;
    std::thread m_thread;
    Result<vmm::ExitReason> m_result = vmm::ExitReason::stopped;
};

}  // namespace

Result<std::unique_ptr<Vm>> OwnBackend::launch(VmConfig c) {
    if (c.acpi)
        return error("the own VMM describes devices on the kernel command line; this kernel needs ACPI "
                     "(Debian's modular kernel): build strata's kernel (strata vm kernel build) or use --vm-backend qemu");
    if (!c.kvm) return error("the own VMM needs hardware virtualization (KVM)");
    vmm::MachineConfig mc;
    mc.kernel = c.kernel;
    mc.initrd = c.initrd;
    mc.cmdline = c.cmdline;
    mc.mem_mib = static_cast<uint32_t>(c.mem_mib);
    mc.vcpus = c.vcpus;
    for (const auto& d : c.disks)
        mc.disks.push_back({"/proc/self/fd/" + std::to_string(d.fd.get()), d.readonly});
    for (const auto& n : c.nets) {
        vmm::NicConfig nic;
        nic.fd = n.tap.get();
        nic.mac = STRATA_TRY(vmm::parse_mac(n.mac));
        nic.mtu = static_cast<uint16_t>(n.mtu);
        mc.nics.push_back(nic);
    }
    // The file share: the own VMM's virtio-9p device, the same protocol and security model as
    // QEMU's (docs/design/vm.md, "Files: the 9p share").
    if (!c.share_dir.empty()) mc.shares.push_back({c.share_dir, c.share_tag});
    mc.serial_out = c.console_fd.get();
    mc.console_fd = c.agent_fd.get();
    auto machine = STRATA_TRY(vmm::Machine::create(mc));
    int ev = ::eventfd(0, EFD_CLOEXEC);
    if (ev < 0) return os_error(errno, "eventfd for the VM");
    return std::unique_ptr<Vm>(std::make_unique<OwnVm>(std::move(machine), std::move(c), UniqueFd(ev)));
}

}  // namespace strata::vm
