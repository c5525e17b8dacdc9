#include "agent/fresh_state.h"

#include <fcntl.h>
#include <linux/random.h>
#include <sys/ioctl.h>
#include <time.h>

#include <algorithm>
#include <cstring>

#include "base/unique_fd.h"
#include "sys/file.h"

namespace strata::agent {

Result<> seed_random(std::string_view entropy) {
    if (entropy.empty()) return {};
    UniqueFd fd = STRATA_TRY(sys::open("/dev/urandom", O_RDWR | O_CLOEXEC));
    // struct rand_pool_info ends in a flexible array: the header, then the bytes.
    alignas(rand_pool_info) unsigned char pool[sizeof(rand_pool_info) + 64]{};
    size_t n = std::min(entropy.size(), sizeof pool - sizeof(rand_pool_info));
    auto* info = reinterpret_cast<rand_pool_info*>(pool);
    info->entropy_count = static_cast<int>(n * 8);
    info->buf_size = static_cast<int>(n);
    std::memcpy(pool + sizeof(rand_pool_info), entropy.data(), n);
    if (::ioctl(fd.get(), RNDADDENTROPY, pool) < 0) return os_error(errno, "add the host's entropy (RNDADDENTROPY)");
    if (::ioctl(fd.get(), RNDRESEEDCRNG) < 0) return os_error(errno, "reseed the kernel's CRNG (RNDRESEEDCRNG)");
    return {};
}

Result<> set_clock(uint64_t realtime_ns) {
    if (realtime_ns == 0) return {};
    timespec ts{static_cast<time_t>(realtime_ns / 1000000000), static_cast<long>(realtime_ns % 1000000000)};
    if (::clock_settime(CLOCK_REALTIME, &ts) < 0) return os_error(errno, "set the guest's clock");
    return {};
}

}  // namespace strata::agent
