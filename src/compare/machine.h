#pragma once
// The facts about this machine that a comparison's reader needs: CPU, cores, memory, kernel,
// cgroup layout, whether KVM can accelerate VMs.

#include <nlohmann/json.hpp>
#include <string>

namespace strata::compare {

struct Machine {
    std::string cpu_model;
    int cpus = 0;
    uint64_t memory_mib = 0;
    std::string kernel;
    std::string cgroup_mode;   // v1 / hybrid / v2
    bool hardware_virtualization = false;  // vmx/svm and a working /dev/kvm
    std::string virtualization_note;       // why not, when not
    nlohmann::json to_json() const;
};

Machine describe_machine();

}  // namespace strata::compare
