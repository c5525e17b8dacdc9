#include "sys/mapping.h"

#include <sys/mman.h>

#include <string>

namespace strata::sys {

void Mapping::reset() {
    if (m_addr) ::munmap(m_addr, m_size);
    m_addr = nullptr;
    m_size = 0;
}

Result<Mapping> map(size_t size, int prot, int flags, int fd, off_t offset, std::string_view what) {
    void* p = ::mmap(nullptr, size, prot, flags, fd, offset);
    if (p == MAP_FAILED) {
        const int err = errno;
        return os_error(err, "mmap " + std::string(what));
    }
    return Mapping(p, size);
}

Result<> madvise(void* addr, size_t size, int advice, std::string_view what) {
    if (::madvise(addr, size, advice) < 0) {
        const int err = errno;
        return os_error(err, "madvise " + std::string(what));
    }
    return {};
}

}  // namespace strata::sys
