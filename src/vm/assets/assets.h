#pragma once
// Where strata finds what a micro-VM boots: the guest kernel and the agent.
//
// Agent: `strata-agent` next to the strata binary (the build directory), else
// <prefix>/lib/strata/strata-agent beside <prefix>/bin/strata, else /usr/lib/strata/strata-agent.
// Kernel, first match wins:
//   1. --vm-kernel / the annotation org.strata.vm.kernel (a path);
//   2. strata's own kernel, built by `strata vm kernel build` into
//      <cache>/kernel/<first 16 hex of the SHA-256 of guest/kernel/config.fragment>/vmlinux;
//   3. Debian's linux-image-cloud-amd64 (/boot/vmlinuz-*-cloud-amd64), whose virtio drivers are
//      modules: the initramfs carries them and QEMU's ACPI tables describe the devices.

#include <string>
#include <vector>

#include "base/result.h"

namespace strata::vm {

enum class KernelKind { strata, debian, custom };
std::string_view kernel_kind_name(KernelKind k);

struct Kernel {
    std::string path;
    KernelKind kind = KernelKind::strata;
    std::string version;
    std::vector<std::string> modules;  // .ko files to load in the guest, dependencies first
    bool acpi = false;                 // devices must be described by ACPI (no cmdline devices)
    std::string origin;                // why this one: for `strata info` and error messages
};

// The directory `strata vm kernel build` fills and find_kernel() looks in.
std::string strata_kernel_dir();
// The fragment and build script of the guest kernel (source tree or installed copy).
std::string kernel_fragment_path();
std::string kernel_build_script();

Result<Kernel> find_kernel(const std::string& override_path);
// Describes a kernel file the user named (Debian's /boot/vmlinuz-* gets its modules).
Result<Kernel> describe_kernel(const std::string& path, std::string origin);
Result<std::string> find_agent();

}  // namespace strata::vm
