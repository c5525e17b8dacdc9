#include "vmm/kvm/vm.h"

#include <sys/mman.h>

#include "sys/ioctl.h"
#include "sys/mapping.h"
#include "vmm/format.h"

namespace strata::vmm::kvm {

Result<> Vm::set_tss_addr(uint64_t gpa) {
    STRATA_TRY(sys::ioctl_value(fd(), KVM_SET_TSS_ADDR, gpa, "KVM_SET_TSS_ADDR " + hex(gpa)));
    return {};
}

Result<> Vm::set_identity_map_addr(uint64_t gpa) {
    STRATA_TRY(sys::ioctl(fd(), KVM_SET_IDENTITY_MAP_ADDR, &gpa, "KVM_SET_IDENTITY_MAP_ADDR " + hex(gpa)));
    return {};
}

Result<> Vm::create_irqchip() {
    STRATA_TRY(sys::ioctl_value(fd(), KVM_CREATE_IRQCHIP, 0, "KVM_CREATE_IRQCHIP"));
    return {};
}

Result<> Vm::create_pit2() {
    kvm_pit_config config{};
    config.flags = KVM_PIT_SPEAKER_DUMMY;
    STRATA_TRY(sys::ioctl(fd(), KVM_CREATE_PIT2, &config, "KVM_CREATE_PIT2"));
    return {};
}

Result<> Vm::set_pit_reinject(bool on) {
    kvm_reinject_control rc{};
    rc.pit_reinject = on ? 1 : 0;
    STRATA_TRY(sys::ioctl(fd(), KVM_REINJECT_CONTROL, &rc, "KVM_REINJECT_CONTROL"));
    return {};
}

Result<> Vm::set_memory_region(uint32_t slot, uint64_t gpa, uint64_t size, void* host) {
    kvm_userspace_memory_region region{};
    region.slot = slot;
    region.guest_phys_addr = gpa;
    region.memory_size = size;
    region.userspace_addr = reinterpret_cast<uint64_t>(host);
    STRATA_TRY(sys::ioctl(fd(), KVM_SET_USER_MEMORY_REGION, &region,
                          "KVM_SET_USER_MEMORY_REGION slot " + std::to_string(slot) + " at " +
                              hex(gpa) + " size " + hex(size)));
    return {};
}

Result<> Vm::add_irqfd(int eventfd, uint32_t gsi) {
    kvm_irqfd irqfd{};
    irqfd.fd = static_cast<uint32_t>(eventfd);
    irqfd.gsi = gsi;
    STRATA_TRY(sys::ioctl(fd(), KVM_IRQFD, &irqfd, "KVM_IRQFD gsi " + std::to_string(gsi)));
    return {};
}

Result<> Vm::add_ioeventfd(int eventfd, uint64_t addr, uint32_t len, std::optional<uint64_t> datamatch,
                           bool pio) {
    kvm_ioeventfd io{};
    io.addr = addr;
    io.len = len;
    io.fd = eventfd;
    if (pio) io.flags |= KVM_IOEVENTFD_FLAG_PIO;
    if (datamatch) {
        io.flags |= KVM_IOEVENTFD_FLAG_DATAMATCH;
        io.datamatch = *datamatch;
    }
    STRATA_TRY(sys::ioctl(fd(), KVM_IOEVENTFD, &io, "KVM_IOEVENTFD at " + hex(addr)));
    return {};
}

Result<Vcpu> Vm::create_vcpu(uint32_t id, size_t mmap_size) {
    const std::string what = "vcpu " + std::to_string(id);
    int vcpu = STRATA_TRY(sys::ioctl_value(fd(), KVM_CREATE_VCPU, id, "KVM_CREATE_VCPU " + std::to_string(id)));
    UniqueFd vcpu_fd(vcpu);
    sys::Mapping run = STRATA_TRY(sys::map(mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu_fd.get(), 0,
                                           "kvm_run of " + what));
    return Vcpu(id, std::move(vcpu_fd), std::move(run));
}

}  // namespace strata::vmm::kvm
