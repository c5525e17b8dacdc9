#pragma once
// The QEMU command line for a VmConfig (pure: unit-tested without QEMU).

#include <string>
#include <vector>

#include "vm/backend/backend.h"

namespace strata::vm::qemu {

// The fd numbers the VmConfig's descriptors will have in the QEMU process.
struct FdLayout {
    int agent = 3;
    int console = -1;          // -1: no serial console
    int qmp = -1;              // -1: no QMP socket
    std::vector<int> disks;    // one per VmConfig::disks (-1 for a placeholder)
    std::vector<int> nets;     // one per VmConfig::nets
};

// QEMU reaches inherited descriptors by path.
std::string fd_path(int fd);

std::vector<std::string> command_line(const std::string& qemu, const VmConfig& c, const FdLayout& fds);

}  // namespace strata::vm::qemu
