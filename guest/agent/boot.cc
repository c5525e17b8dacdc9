#include "agent/boot.h"

#include <dirent.h>
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
#include "vm/agent_protocol.h"

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

Result<> mount_pseudo_filesystems() {
    constexpr unsigned long kSafe = MS_NOSUID | MS_NOEXEC | MS_NODEV;
    // devtmpfs is not mounted automatically when the root is an initramfs.
    STRATA_TRY(mount_at("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755"));
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

namespace {

// /dev/vportNpM of the port whose name (announced by the device) is the agent's, or "".
std::string named_port() {
    DIR* d = ::opendir("/sys/class/virtio-ports");
    if (!d) return "";
    std::string found;
    while (dirent* e = ::readdir(d)) {
        if (e->d_name[0] == '.') continue;
        auto name = sys::read_file(std::string("/sys/class/virtio-ports/") + e->d_name + "/name");
        if (name && trim(*name) == vm::agent::kAgentPortName) found = std::string("/dev/") + e->d_name;
    }
    ::closedir(d);
    return found;
}

}  // namespace

Result<UniqueFd> open_channel(int timeout_ms) {
    // Ports appear once the device announced them (and, with Debian's modular kernels, once the
    // virtio_console module's probe finished).
    for (int waited = 0;; waited += 2) {
        std::string port = named_port();
        if (!port.empty()) {
            int fd = ::open(port.c_str(), O_RDWR | O_CLOEXEC);
            if (fd >= 0) return UniqueFd(fd);
            if (errno != ENOENT) return os_error(errno, "open the agent channel " + port);
        }
        if (::access("/dev/hvc0", F_OK) == 0) break;
        if (waited >= timeout_ms) return os_error(ENOENT, "the agent channel (port org.strata.agent or /dev/hvc0) did not appear");
        ::usleep(2000);
    }
    int fd = ::open("/dev/hvc0", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) return os_error(errno, "open the agent channel /dev/hvc0");
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
