// Whether this host can run Machines, and whether it can run them fast.

#include <fstream>
#include <sstream>
#include <string>

#include "vmm/kvm/system.h"
#include "vmm/machine.h"

namespace strata::vmm {
namespace {

bool cpu_has_virtualization_flag() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("flags", 0) != 0) continue;
        std::istringstream words(line.substr(line.find(':') + 1));
        std::string w;
        while (words >> w)
            if (w == "vmx" || w == "svm") return true;
        return false;  // the first CPU's flags speak for all
    }
    return false;
}

}  // namespace

bool kvm_usable(std::string* why) {
    auto kvm = kvm::System::open();
    if (!kvm) {
        if (why) *why = kvm.error().message();
        return false;
    }
    return true;
}

bool hardware_virtualization(std::string* why) {
    if (!cpu_has_virtualization_flag()) {
        if (why)
            *why = "no vmx/svm flag in /proc/cpuinfo: the CPU offers no hardware virtualization "
                   "(any /dev/kvm here is a software virtualizer such as PVM)";
        return false;
    }
    return kvm_usable(why);
}

}  // namespace strata::vmm
