#include "vm/backend/host.h"

#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <unistd.h>


#include "base/result.h"
#include "base/round.h"
#include "base/strings.h"
#include "sys/file.h"
#include "vm/assets/spawn.h"

namespace strata::vm {

std::string virt_flag(const std::string& cpuinfo) {
    for (const auto& line : split(cpuinfo, '\n')) {
        if (!line.starts_with("flags")) continue;
        auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        for (const auto& f : split_nonempty(line.substr(colon + 1), ' '))
            if (f == "vmx" || f == "svm") return f;
        return "";  // every CPU lists the same flags; the first line decides
    }
    return "";
}

uint64_t read_tsc_khz(const std::string& cpuinfo) {
    for (const auto& line : split(cpuinfo, '\n')) {
        if (!line.starts_with("cpu MHz")) continue;
        auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string v(trim(line.substr(colon + 1)));
        char* end = nullptr;
        double mhz = std::strtod(v.c_str(), &end);
        if (end == v.c_str() || mhz <= 0) return 0;
        return static_cast<uint64_t>(round_to_int64(mhz * 1000));
    }
    return 0;
}

const HostVirt& host_virt() {
    static const HostVirt h = [] {
        HostVirt v;
        std::string cpuinfo = sys::read_file("/proc/cpuinfo").value_or("");
        v.cpu_flag = virt_flag(cpuinfo);
        v.tsc_khz = read_tsc_khz(cpuinfo);
        int fd = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
        if (fd < 0) {
            v.kvm_detail = "/dev/kvm: " + Error{errno, ""}.message().substr(2);
        } else {
            int api = ::ioctl(fd, KVM_GET_API_VERSION, 0);
            v.kvm_device = api == KVM_API_VERSION;
            v.kvm_detail = "/dev/kvm API " + std::to_string(api);
            ::close(fd);
        }
        v.qemu = find_program("qemu-system-x86_64");
        return v;
    }();
    return h;
}

}  // namespace strata::vm
