#include "vmm/devices/i8042.h"

namespace strata::vmm::devices {
namespace {

constexpr uint8_t status_obf = 0x01, status_sys = 0x04, status_cmd = 0x08, status_aux = 0x20;
constexpr uint8_t config_kbd_int = 0x01, config_aux_int = 0x02, config_sys = 0x04;
constexpr uint8_t cmd_read_config = 0x20, cmd_write_config = 0x60, cmd_aux_disable = 0xa7,
                  cmd_aux_enable = 0xa8, cmd_aux_test = 0xa9, cmd_self_test = 0xaa,
                  cmd_kbd_test = 0xab, cmd_kbd_disable = 0xad, cmd_kbd_enable = 0xae,
                  cmd_write_output = 0xd1, cmd_write_kbd_buffer = 0xd2, cmd_write_aux_buffer = 0xd3,
                  cmd_write_aux = 0xd4, cmd_pulse_reset = 0xfe;
constexpr uint8_t kbd_ack = 0xfa, kbd_resend = 0xfe, kbd_reset = 0xff, kbd_get_id = 0xf2,
                  kbd_self_test_ok = 0xaa;

}  // namespace

uint8_t I8042::status() const {
    uint8_t s = status_sys | (m_pending_cmd ? status_cmd : 0);
    if (!m_out.empty()) s |= status_obf | (m_out.front().second == Source::aux ? status_aux : 0);
    return s;
}

void I8042::raise_for_front() {
    if (m_out.empty()) return;
    Source s = m_out.front().second;
    if (s == Source::keyboard && (m_config & config_kbd_int) && m_kbd_irq) m_kbd_irq->trigger();
    if (s == Source::aux && (m_config & config_aux_int) && m_aux_irq) m_aux_irq->trigger();
}

void I8042::push(uint8_t byte, Source src) {
    const bool was_empty = m_out.empty();
    m_out.emplace_back(byte, src);
    if (was_empty) raise_for_front();
}

void I8042::command(uint8_t cmd) {
    switch (cmd) {
    case cmd_read_config: push(m_config, Source::controller); break;
    case cmd_write_config:
    case cmd_write_output:
    case cmd_write_kbd_buffer:
    case cmd_write_aux_buffer:
    case cmd_write_aux: m_pending_cmd = cmd; break;
    case cmd_aux_disable: m_config |= 0x20; break;
    case cmd_aux_enable: m_config &= ~0x20; break;
    case cmd_aux_test:
    case cmd_kbd_test: push(0x00, Source::controller); break;
    case cmd_self_test: push(0x55, Source::controller); break;
    case cmd_kbd_disable: m_config |= 0x10; break;
    case cmd_kbd_enable: m_config &= ~0x10; break;
    case cmd_pulse_reset: m_reset = true; break;
    default: break;  // other pulses and vendor commands: nothing to do
    }
}

void I8042::data(uint8_t v) {
    const uint8_t cmd = std::exchange(m_pending_cmd, 0);
    switch (cmd) {
    case cmd_write_config: m_config = v | config_sys; return;
    case cmd_write_output:
        if (!(v & 1)) m_reset = true;  // bit 0 is the CPU reset line, active low
        return;
    case cmd_write_kbd_buffer: push(v, Source::keyboard); return;
    case cmd_write_aux_buffer: push(v, Source::aux); return;
    case cmd_write_aux: push(kbd_resend, Source::aux); return;  // no mouse: refuse its commands
    default: break;
    }
    // A byte for the keyboard itself: acknowledge it like a plain AT keyboard.
    push(kbd_ack, Source::keyboard);
    if (v == kbd_reset) push(kbd_self_test_ok, Source::keyboard);
    if (v == kbd_get_id) {
        push(0xab, Source::keyboard);
        push(0x83, Source::keyboard);
    }
}

void I8042::read(uint64_t offset, std::span<uint8_t> out) {
    std::lock_guard lock(m_lock);
    for (auto& b : out) {
        if (offset == 4) {
            b = status();
        } else if (offset == 0) {
            if (m_out.empty()) {
                b = 0;
            } else {
                b = m_out.front().first;
                m_out.pop_front();
                raise_for_front();
            }
        } else {
            b = 0xff;  // 0x61-0x63 belong to other (absent or in-kernel) devices
        }
    }
}

void I8042::write(uint64_t offset, std::span<const uint8_t> in) {
    bool reset = false;
    {
        std::lock_guard lock(m_lock);
        for (uint8_t b : in) {
            if (offset == 4) command(b);
            if (offset == 0) data(b);
        }
        reset = std::exchange(m_reset, false);
    }
    if (reset && m_on_reset) m_on_reset();
}

}  // namespace strata::vmm::devices
