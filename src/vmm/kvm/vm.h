#pragma once
// Vm: one KVM virtual machine fd. Memory slots, the in-kernel interrupt controllers and PIT,
// ioeventfds and irqfds all live until the fd is closed, so they need no handles of their own.

#include <linux/kvm.h>

#include <cstdint>
#include <optional>

#include "base/result.h"
#include "base/unique_fd.h"
#include "vmm/kvm/vcpu.h"

namespace strata::vmm::kvm {

class Vm {
public:
    explicit Vm(UniqueFd fd) : m_fd(std::move(fd)) {}
    int fd() const { return m_fd.get(); }

    // Three pages KVM needs (VMX real-mode emulation) somewhere guests never use as RAM.
    Result<> set_tss_addr(uint64_t gpa);
    // One page for the EPT identity map of unpaged real mode; must precede create_vcpu.
    Result<> set_identity_map_addr(uint64_t gpa);
    // PIC + IOAPIC + per-vCPU LAPIC in the kernel; GSIs 0-15 reach the PICs and 0-23 the IOAPIC.
    Result<> create_irqchip();
    // The i8254 PIT on ports 0x40-0x43, with a dummy speaker port 0x61 (Linux calibrates with it).
    Result<> create_pit2();
    // KVM_REINJECT_CONTROL: whether PIT ticks the guest missed (vCPU descheduled) are replayed.
    Result<> set_pit_reinject(bool on);
    Result<> set_memory_region(uint32_t slot, uint64_t gpa, uint64_t size, void* host);
    // Writing to `eventfd` raises (edge) interrupt line `gsi`.
    Result<> add_irqfd(int eventfd, uint32_t gsi);
    // A guest write of `len` bytes to `addr` (MMIO, or a port when `pio`) signals `eventfd` inside
    // the kernel instead of exiting to the VMM; with `datamatch` only when the value matches.
    Result<> add_ioeventfd(int eventfd, uint64_t addr, uint32_t len, std::optional<uint64_t> datamatch,
                           bool pio);
    // `mmap_size` is System::vcpu_mmap_size().
    Result<Vcpu> create_vcpu(uint32_t id, size_t mmap_size);

private:
    UniqueFd m_fd;
};

}  // namespace strata::vmm::kvm
