#pragma once
// The MC146818 CMOS/RTC at ports 0x70 (index) and 0x71 (data): the wall clock in BCD from the
// host's UTC time, plus 128 bytes of NVRAM. Linux reads the time at boot and again at shutdown;
// without an answer it reports "Unable to read current time from RTC" and shutdown waits ~1 s.

#include <cstdint>
#include <ctime>
#include <functional>
#include <mutex>

#include "vmm/devices/device.h"

namespace strata::vmm::devices {

class Cmos : public BusDevice {
public:
    // `now` supplies seconds since the epoch (tests pass a fixed clock).
    explicit Cmos(std::function<time_t()> now = [] { return std::time(nullptr); });

    void read(uint64_t offset, std::span<uint8_t> data) override;
    void write(uint64_t offset, std::span<const uint8_t> data) override;

    static uint8_t to_bcd(int v) { return static_cast<uint8_t>((v / 10) << 4 | (v % 10)); }

private:
    uint8_t read_data();

    std::function<time_t()> m_now;
    std::mutex m_lock;
    uint8_t m_index = 0;
    uint8_t m_nvram[128] = {};
};

}  // namespace strata::vmm::devices
