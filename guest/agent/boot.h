#pragma once
// The agent's first steps as PID 1 and its last: pseudo filesystems, kernel modules (Debian
// kernels), the agent channel, the guest's uptime, power-off.

#include <cstdint>

#include "base/result.h"
#include "base/unique_fd.h"

namespace strata::agent {

// /dev (devtmpfs): first, for the agent channel.
Result<> mount_dev();

// /proc, /sys, /sys/fs/cgroup (cgroup2), /run (tmpfs).
Result<> mount_pseudo_filesystems();

// Loads the modules listed one path per line in `list` (dependencies first), if it exists.
// Only Debian's kernels need this: strata's own kernel has every driver built in.
Result<> load_modules(const char* list);

// Opens the agent channel, waiting for the driver: virtio-console port 0 (/dev/hvc0), in raw mode
// (binary-safe, no echo).
Result<UniqueFd> open_channel(int timeout_ms);

// CLOCK_BOOTTIME in microseconds: the guest's own time since its kernel started.
uint64_t uptime_us();

// Ends the VM: the kernel's reboot (reboot=t on the cmdline: a triple fault, which the VMM,
// started with -no-reboot, treats as the end). Never returns.
[[noreturn]] void power_off();

}  // namespace strata::agent
