#include "vmm/kvm/system.h"

#include <fcntl.h>

#include "sys/file.h"
#include "sys/ioctl.h"
#include "vmm/kvm/abi.h"

namespace strata::vmm::kvm {
namespace {

struct Cap {
    int id;
    const char* name;
};
// What the builder uses unconditionally; all of it has been in Linux since the 2.6/3.x days.
constexpr Cap required_caps[] = {
    {KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP"},
    {KVM_CAP_PIT2, "KVM_CAP_PIT2"},
    {KVM_CAP_IOEVENTFD, "KVM_CAP_IOEVENTFD"},
    {KVM_CAP_IRQFD, "KVM_CAP_IRQFD"},
    {KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY"},
    {KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR"},
    {KVM_CAP_SET_IDENTITY_MAP_ADDR, "KVM_CAP_SET_IDENTITY_MAP_ADDR"},
    {KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID"},
};

}  // namespace

Result<System> System::open(const std::string& path) {
    UniqueFd fd = STRATA_TRY(sys::open(path, O_RDWR));
    System kvm(std::move(fd));
    int version = STRATA_TRY(sys::ioctl_value(kvm.fd(), KVM_GET_API_VERSION, 0, "KVM_GET_API_VERSION"));
    if (version != KVM_API_VERSION)
        return error(path + ": KVM API version " + std::to_string(version) + ", need " +
                     std::to_string(KVM_API_VERSION));
    for (const Cap& cap : required_caps) {
        int have = STRATA_TRY(kvm.check_extension(cap.id));
        if (have <= 0) return error(path + ": missing " + cap.name);
    }
    return kvm;
}

Result<int> System::check_extension(int cap) const {
    return sys::ioctl_value(fd(), KVM_CHECK_EXTENSION, static_cast<unsigned long>(cap),
                            "KVM_CHECK_EXTENSION " + std::to_string(cap));
}

Result<std::vector<kvm_cpuid_entry2>> System::supported_cpuid() const {
    // The table size is not known in advance: grow until KVM stops answering E2BIG.
    for (uint32_t n = 64; n <= 4096; n *= 2) {
        std::vector<uint8_t> buf(sizeof(abi::CpuidHeader) + n * sizeof(kvm_cpuid_entry2));
        auto* c = reinterpret_cast<abi::CpuidHeader*>(buf.data());
        c->nent = n;
        auto r = sys::ioctl(fd(), abi::get_supported_cpuid, c, "KVM_GET_SUPPORTED_CPUID");
        if (!r && r.error().code == E2BIG) continue;
        if (!r) return std::unexpected(r.error());
        const auto* first = reinterpret_cast<const kvm_cpuid_entry2*>(buf.data() + sizeof(abi::CpuidHeader));
        return std::vector<kvm_cpuid_entry2>(first, first + c->nent);
    }
    return os_error(E2BIG, "KVM_GET_SUPPORTED_CPUID: more than 4096 entries");
}

Result<size_t> System::vcpu_mmap_size() const {
    int n = STRATA_TRY(sys::ioctl_value(fd(), KVM_GET_VCPU_MMAP_SIZE, 0, "KVM_GET_VCPU_MMAP_SIZE"));
    return static_cast<size_t>(n);
}

Result<Vm> System::create_vm() const {
    int vm = STRATA_TRY(sys::ioctl_value(fd(), KVM_CREATE_VM, 0, "KVM_CREATE_VM"));
    return Vm(UniqueFd(vm));
}

}  // namespace strata::vmm::kvm
