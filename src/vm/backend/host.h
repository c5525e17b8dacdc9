#pragma once
// What this host offers a micro-VM: hardware virtualization (vmx/svm) and a working /dev/kvm,
// the QEMU binary, the TSC frequency a software-emulated guest must be told.

#include <cstdint>
#include <string>

namespace strata::vm {

struct HostVirt {
    std::string cpu_flag;        // "vmx", "svm", or "" (no hardware virtualization visible)
    bool kvm_device = false;     // /dev/kvm opens and speaks KVM API 12
    std::string kvm_detail;      // "API 12", or why not ("/dev/kvm: ENOENT (...)")
    std::string qemu;            // path of qemu-system-x86_64, "" if not installed
    uint64_t tsc_khz = 0;        // 0 if unknown

    // KVM accelerates guests only with the CPU's virtualization extensions; a /dev/kvm without
    // them (a software virtualizer such as PVM) cannot boot an ordinary Linux guest.
    bool kvm_accelerated() const { return !cpu_flag.empty() && kvm_device; }
};

// Probes once per process (cheap: /proc/cpuinfo, one open + ioctl, a PATH lookup).
const HostVirt& host_virt();

// The host's TSC frequency in kHz from /proc/cpuinfo ("cpu MHz" is the TSC rate on x86 hosts
// with constant_tsc), for the guest's tsc_early_khz=: under TCG the guest reads the host's TSC,
// and without the hint a third of boots hang calibrating it against the emulated PIT.
uint64_t read_tsc_khz(const std::string& cpuinfo);
// "vmx" / "svm" / "" from the flags line of /proc/cpuinfo.
std::string virt_flag(const std::string& cpuinfo);

}  // namespace strata::vm
