#pragma once
// Booted templates: a micro-VM that boots once and is then copied instead of booted again, as
// Firecracker's snapshots and Kata's VM templates do. Under emulation a Linux boot is ~0.6 s and
// restoring ~30 ms (bench/vm-template-probe.py, DEVELOPERS.md).
//
// A template is a QEMU microvm of one shape (kernel, agent initramfs, command line, vCPUs,
// memory, accelerator) booted with its RAM in a shared file and a placeholder disk, saved with
// QEMU migration once its agent has booted and waits for a config (`sync`/`synced`): the device
// state in <cache>/vm-template/<key>.state, the RAM in <key>.ram (x-ignore-shared: the RAM stays
// in the file). A VM restored from it maps the file copy-on-write, loads the state, and gets the
// container's rootfs image where the placeholder was. What siblings must not share is replaced
// before the workload runs: the agent mixes host entropy into the kernel's pool and reseeds it,
// and sets the clock (StartConfig). They do share what the boot laid out: KASLR offsets (strata's
// kernel has none), the agent's stack canary; the workload is a fresh exec. Siblings also share
// the RAM file's unwritten pages in the host's page cache (as Kata's templates do), which is a
// cache side channel between VMs of one shape.

#include <memory>
#include <optional>
#include <string>

#include "base/result.h"
#include "vm/assets/assets.h"
#include "vm/backend/backend.h"

namespace strata::vm {

// The kernel a template boots: a bzImage, which QEMU loads through fw_cfg. A vmlinux (PVH) it
// loads as ROM blobs that it writes into guest RAM at every reset, including the one before a
// restore: the restored kernel's text and data would be reset under it. nullopt: none.
std::optional<std::string> template_kernel(const Kernel& k);

// The size of the placeholder disk: the restored guest keeps the capacity it probed, and reads
// past the end of the real image fail, so it only has to be at least any rootfs image.
inline constexpr uint64_t kPlaceholderDiskBytes = 1ull << 40;

struct Template {
    std::string key;
    std::string state;  // QEMU's device state
    std::string ram;    // guest RAM
};

// The template for `shape` (kernel, initrd, cmdline, vcpus, mem_mib, acpi, kvm; its other fields
// are ignored): the cached one, or one booted and saved now (`built` says which). `qemu` is the
// binary, whose identity is part of the key; `log_dir` receives the template boot's logs.
Result<Template> ensure_template(Backend& backend, const std::string& qemu, const VmConfig& shape,
                                 const std::string& log_dir, bool* built = nullptr);

// Launches `c` (the container's VM: the template's shape, one disk: the rootfs image) restored
// from `t`. Returns once the state is loaded and the guest runs; its agent then waits for the
// config, with no hello. (QEMU may run a guest that is not alive, a RAM file gone or torn: the
// caller checks with `sync` before it relies on the VM.)
Result<std::unique_ptr<Vm>> restore_template(Backend& backend, const Template& t, VmConfig c);

// The templates saved on this host, for `strata info`.
size_t saved_templates();

// Removes a template that failed to restore (another QEMU, a damaged file). VMs of that shape
// boot for an hour, then build it again.
void discard_template(const Template& t, const std::string& why);

}  // namespace strata::vm
