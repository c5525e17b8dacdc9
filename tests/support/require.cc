#include "tests/support/require.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

namespace strata::test {

bool require_all() {
    const char* v = std::getenv("STRATA_REQUIRE_ALL");
    return v && std::string(v) == "1";
}

bool is_root() { return ::geteuid() == 0; }

bool have_kvm() {
    int fd = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0) return false;
    ::close(fd);
    return true;
}

bool require_kvm() {
    const char* v = std::getenv("STRATA_REQUIRE_KVM");
    return v && std::string(v) == "1";
}

std::string kvm_absence() {
    int fd = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd >= 0) {
        ::close(fd);
        return "it opens";
    }
    const int err = errno;
    const char* name = strerrorname_np(err);
    return std::string("open /dev/kvm: ") + (name ? name : "E?") + " (" + std::strerror(err) + ")";
}

bool kernel_has_filesystem(const std::string& fs) {
    std::ifstream in("/proc/filesystems");
    std::string line;
    while (std::getline(in, line))
        if (line.size() >= fs.size() && line.compare(line.size() - fs.size(), fs.size(), fs) == 0) return true;
    return false;
}

}  // namespace strata::test
