#pragma once
// The pure decisions for one micro-VM, from config.json and the host: its size, how the rootfs
// gets in, which kernel and backend were asked for, and the guest kernel's command line.
// Unit-tested; no syscalls.

#include <cstdint>
#include <string>

#include "base/result.h"
#include "spec/spec.h"

namespace strata::vm {

inline constexpr const char* kCpusAnnotation = "org.strata.vm.cpus";
inline constexpr const char* kMemoryAnnotation = "org.strata.vm.memory_mib";
inline constexpr const char* kRootfsAnnotation = "org.strata.vm.rootfs";    // auto | erofs | initramfs
inline constexpr const char* kKernelAnnotation = "org.strata.vm.kernel";    // a path
inline constexpr const char* kBackendAnnotation = "org.strata.vm.backend";  // auto | own | qemu
inline constexpr const char* kTemplateAnnotation = "org.strata.vm.template";  // auto | off

enum class RootfsMode { automatic, erofs, initramfs };

struct VmPlan {
    unsigned vcpus = 1;
    uint64_t mem_mib = 256;
    RootfsMode rootfs = RootfsMode::automatic;
    std::string kernel;   // "" = find_kernel's default
    std::string backend;  // "" = automatic
    bool booted_template = true;  // restore a booted template where possible (vm/template/template.h)
};

inline constexpr unsigned kMaxVcpus = 8;        // strata's kernel: CONFIG_NR_CPUS=8
// Below this the guest kernel and agent do not come up with room for a workload (64 MiB ended
// in an agent channel EPIPE): org.strata.vm.memory_mib must be at least this.
inline constexpr uint64_t kMinMemMib = 96;
inline constexpr uint64_t kDefaultMemMib = 256;
// What the guest's kernel and agent keep beyond the workload's memory.limit.
inline constexpr uint64_t kGuestReserveMib = 32;

// The VM's memory for a workload limited to `limit_mib`: the smallest size class (a power of two,
// 128 MiB at least) that holds the limit plus kGuestReserveMib. The guest's cgroup enforces the
// exact limit; the class keeps the number of VM shapes, hence of booted templates, small, so a
// new limit starts from a template instead of a cold boot.
uint64_t memory_class_mib(uint64_t limit_mib);

// vCPUs from linux.resources.cpu (quota/period rounded up, else the cpuset's size), memory from
// memory.limit (its size class); the annotations win (an exact size). Flags (--vm-kernel,
// --vm-backend, --vm-template) win over the annotations.
Result<VmPlan> plan_vm(const spec::Spec& spec, const std::string& kernel_flag, const std::string& backend_flag,
                       const std::string& template_flag = "");

// Number of CPUs in a cpuset list ("0-3,6" -> 5); 0 if malformed.
unsigned cpuset_size(const std::string& list);

// Up to this many bytes of files, the automatic mode packs the rootfs into the initramfs; above,
// an erofs disk. Measured under TCG (bench/vm.sh, DEVELOPERS.md): a 2 MiB busybox root boots
// ~60-160 ms faster from the initramfs (no virtio-blk probe, no erofs/overlay mounts); at 24 MiB
// the two are even (copying the initramfs costs ~3 ms/MiB), and the initramfs also holds the
// files in guest RAM.
inline constexpr uint64_t kInitramfsRootfsMax = 16ull << 20;

// The guest kernel's command line. `tsc_khz` 0 = unknown (omitted).
std::string guest_cmdline(bool kvm, uint64_t tsc_khz);

}  // namespace strata::vm
