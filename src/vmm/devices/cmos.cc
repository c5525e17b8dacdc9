#include "vmm/devices/cmos.h"

namespace strata::vmm::devices {
namespace {

constexpr uint8_t reg_seconds = 0x00, reg_minutes = 0x02, reg_hours = 0x04, reg_weekday = 0x06,
                  reg_day = 0x07, reg_month = 0x08, reg_year = 0x09, reg_a = 0x0a, reg_b = 0x0b,
                  reg_c = 0x0c, reg_d = 0x0d, reg_century = 0x32;
// A: 32.768 kHz time base, 1024 Hz rate, no update in progress. B: 24-hour mode, BCD.
// D: battery good (valid RAM and time).
constexpr uint8_t status_a = 0x26, status_b = 0x02, status_d = 0x80;

}  // namespace

Cmos::Cmos(std::function<time_t()> now) : m_now(std::move(now)) {
    m_nvram[reg_a] = status_a;
    m_nvram[reg_b] = status_b;
    m_nvram[reg_d] = status_d;
}

uint8_t Cmos::read_data() {
    const uint8_t i = m_index & 0x7f;
    if (i <= reg_year || i == reg_century) {
        time_t t = m_now();
        struct tm tm{};
        gmtime_r(&t, &tm);
        switch (i) {
        case reg_seconds: return to_bcd(tm.tm_sec);
        case reg_minutes: return to_bcd(tm.tm_min);
        case reg_hours: return to_bcd(tm.tm_hour);
        case reg_weekday: return to_bcd(tm.tm_wday + 1);
        case reg_day: return to_bcd(tm.tm_mday);
        case reg_month: return to_bcd(tm.tm_mon + 1);
        case reg_year: return to_bcd(tm.tm_year % 100);
        case reg_century: return to_bcd((tm.tm_year + 1900) / 100);
        default: return 0;  // alarm registers
        }
    }
    if (i == reg_c) return 0;  // no interrupt flags: the RTC never raises IRQ 8
    return m_nvram[i];
}

void Cmos::read(uint64_t offset, std::span<uint8_t> data) {
    std::lock_guard lock(m_lock);
    for (auto& b : data) b = offset == 0 ? m_index : read_data();
}

void Cmos::write(uint64_t offset, std::span<const uint8_t> data) {
    std::lock_guard lock(m_lock);
    for (uint8_t b : data) {
        if (offset == 0) {
            m_index = b;  // bit 7 is the NMI mask on PCs; harmless to keep
            continue;
        }
        const uint8_t i = m_index & 0x7f;
        // The clock follows the host: writes to it and to the status registers are ignored.
        if (i > reg_d && i != reg_century) m_nvram[i] = b;
    }
}

}  // namespace strata::vmm::devices
