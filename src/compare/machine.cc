#include "compare/machine.h"

#include <fcntl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <regex>

#include "base/strings.h"
#include "cgroup/layout.h"
#include "sys/file.h"

namespace strata::compare {

nlohmann::json Machine::to_json() const {
    return {{"cpu", cpu_model},          {"cpus", cpus},
            {"memoryMiB", memory_mib},   {"kernel", kernel},
            {"cgroup", cgroup_mode},     {"hardwareVirtualization", hardware_virtualization},
            {"virtualizationNote", virtualization_note}};
}

Machine describe_machine() {
    Machine m;
    std::string info = sys::read_file("/proc/cpuinfo").value_or("");
    std::smatch match;
    if (std::regex_search(info, match, std::regex("model name\\s*:\\s*([^\\n]+)"))) m.cpu_model = std::string(trim(match[1].str()));
    m.cpus = static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN));
    std::string mem = sys::read_file("/proc/meminfo").value_or("");
    if (std::regex_search(mem, match, std::regex("MemTotal:\\s*([0-9]+) kB"))) m.memory_mib = std::stoull(match[1].str()) / 1024;
    utsname u{};
    ::uname(&u);
    m.kernel = u.release;
    if (auto l = cgroup::host_layout()) m.cgroup_mode = std::string(cgroup::mode_name((*l)->mode));
    bool flags = std::regex_search(info, std::regex("\\b(vmx|svm)\\b"));
    int kvm = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm >= 0) ::close(kvm);
    m.hardware_virtualization = flags && kvm >= 0;
    if (!flags && kvm >= 0)
        m.virtualization_note = "/dev/kvm exists but the CPU has no vmx/svm (a software virtualizer): VMs use QEMU's software CPU (TCG)";
    else if (!flags)
        m.virtualization_note = "no vmx/svm and no /dev/kvm: VMs use QEMU's software CPU (TCG)";
    else if (kvm < 0)
        m.virtualization_note = "vmx/svm present but /dev/kvm is not usable";
    return m;
}

}  // namespace strata::compare
