#pragma once
// The i8042 keyboard controller at ports 0x60/0x64, mainly for its reset line: command 0xFE (or
// output-port writes clearing bit 0) resets the machine, which is how Linux's `reboot=k` ends the
// VM. Enough of the rest (self-test, config byte, keyboard ACKs, aux loopback) that Linux's i8042
// and atkbd probes finish instead of timing out. No keys are ever pressed.

#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>

#include "vmm/devices/device.h"
#include "vmm/devices/irq.h"

namespace strata::vmm::devices {

class I8042 : public BusDevice {
public:
    // The device spans ports 0x60-0x64: offset 0 is data, offset 4 status/command.
    static constexpr uint64_t base = 0x60, size = 5;

    // `on_reset` runs on the vCPU thread that pulsed the reset line. `kbd_irq` (IRQ 1) and
    // `aux_irq` (IRQ 12) may be null.
    I8042(std::function<void()> on_reset, IrqLine* kbd_irq, IrqLine* aux_irq)
        : m_on_reset(std::move(on_reset)), m_kbd_irq(kbd_irq), m_aux_irq(aux_irq) {}

    void read(uint64_t offset, std::span<uint8_t> data) override;
    void write(uint64_t offset, std::span<const uint8_t> data) override;

private:
    enum class Source { controller, keyboard, aux };
    void push(uint8_t byte, Source src);
    void command(uint8_t cmd);
    void data(uint8_t v);
    uint8_t status() const;
    void raise_for_front();

    std::function<void()> m_on_reset;
    IrqLine* m_kbd_irq;
    IrqLine* m_aux_irq;

    std::mutex m_lock;
    std::deque<std::pair<uint8_t, Source>> m_out;
    uint8_t m_config = 0x45;  // kbd interrupt on, system flag, translation
    uint8_t m_pending_cmd = 0;  // a command waiting for its data byte on port 0x60
    bool m_reset = false;
};

}  // namespace strata::vmm::devices
