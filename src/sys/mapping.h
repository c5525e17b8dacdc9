#pragma once
// Mapping: owns one mmap(2) region and unmaps it exactly once.

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

#include "base/result.h"

namespace strata::sys {

class Mapping {
public:
    Mapping() = default;
    Mapping(void* addr, size_t size) : m_addr(addr), m_size(size) {}
    Mapping(Mapping&& o) noexcept
        : m_addr(std::exchange(o.m_addr, nullptr)), m_size(std::exchange(o.m_size, 0)) {}
    Mapping& operator=(Mapping&& o) noexcept {
        reset();
        m_addr = std::exchange(o.m_addr, nullptr);
        m_size = std::exchange(o.m_size, 0);
        return *this;
    }
    Mapping(const Mapping&) = delete;
    Mapping& operator=(const Mapping&) = delete;
    ~Mapping() { reset(); }

    uint8_t* data() const { return static_cast<uint8_t*>(m_addr); }
    size_t size() const { return m_size; }
    explicit operator bool() const { return m_addr != nullptr; }
    void reset();

private:
    void* m_addr = nullptr;
    size_t m_size = 0;
};

// mmap(NULL, size, prot, flags, fd, offset); `what` names the object ("guest RAM 256 MiB").
Result<Mapping> map(size_t size, int prot, int flags, int fd, off_t offset, std::string_view what);
Result<> madvise(void* addr, size_t size, int advice, std::string_view what);

}  // namespace strata::sys
