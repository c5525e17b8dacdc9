#include "agent/boot.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>

#include "base/strings.h"
#include "sys/file.h"

namespace strata::agent {
namespace {

Result<> mount_at(const char* source, const char* target, const char* type, unsigned long flags,
                  const char* data = nullptr) {
    ::mkdir(target, 0755);
    if (::mount(source, target, type, flags, data) < 0 && errno != EBUSY)
        return os_error(errno, std::string("mount ") + type + " at " + target);
    return {};
}

}  // namespace

Result<> mount_dev() {
    // devtmpfs is not mounted automatically when the root is an initramfs.
    return mount_at("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
}

Result<> mount_pseudo_filesystems() {
    constexpr unsigned long kSafe = MS_NOSUID | MS_NOEXEC | MS_NODEV;
    STRATA_TRY(mount_at("proc", "/proc", "proc", kSafe));
    STRATA_TRY(mount_at("sysfs", "/sys", "sysfs", kSafe));
    STRATA_TRY(mount_at("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755"));
    // cgroup v2 is optional: a kernel without CONFIG_CGROUPS still runs the workload.
    auto cg = mount_at("cgroup2", "/sys/fs/cgroup", "cgroup2", kSafe);
    if (!cg) std::fprintf(stderr, "strata-agent: %s (no cgroup limits)\n", cg.error().message().c_str());
    return {};
}

Result<> load_modules(const char* list) {
    auto text = sys::read_file(list);
    if (!text) return text.error().code == ENOENT ? Result<>{} : Result<>(std::unexpected(text.error()));
    for (const auto& path : split_nonempty(*text, '\n')) {
        UniqueFd fd = STRATA_TRY(sys::open(path, O_RDONLY | O_CLOEXEC));
        if (::syscall(SYS_finit_module, fd.get(), "", 0) < 0 && errno != EEXIST)
            return os_error(errno, "load module " + path);
    }
    return {};
}

Result<UniqueFd> open_channel(int timeout_ms) {
    // hvc0 appears once the virtio-console driver probed the device (with Debian's modular
    // kernels, once the module loaded).
    int fd;
    for (int waited = 0; (fd = ::open("/dev/hvc0", O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0; waited += 1) {
        if (errno != ENOENT && errno != ENODEV && errno != ENXIO) return os_error(errno, "open the agent channel /dev/hvc0");
        if (waited >= timeout_ms) return os_error(errno, "the agent channel /dev/hvc0 did not appear");
        ::usleep(1000);
    }
    UniqueFd owned(fd);
    termios t{};
    if (::tcgetattr(fd, &t) < 0) return os_error(errno, "tcgetattr /dev/hvc0");
    ::cfmakeraw(&t);
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    if (::tcsetattr(fd, TCSANOW, &t) < 0) return os_error(errno, "set /dev/hvc0 to raw mode");
    return owned;
}

uint64_t uptime_us() {
    timespec ts{};
    ::clock_gettime(CLOCK_BOOTTIME, &ts);
    return uint64_t(ts.tv_sec) * 1000000 + uint64_t(ts.tv_nsec) / 1000;
}

void power_off() {
    ::sync();
    ::reboot(RB_AUTOBOOT);
    // Only reached if the kernel refused; PID 1 must not exit (that panics the guest, which
    // with panic=-1 also ends the VM, but noisily).
    for (;;) ::pause();
}

}  // namespace strata::agent
