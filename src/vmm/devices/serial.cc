#include "vmm/devices/serial.h"

#include "base/log.h"
#include "sys/rw.h"

namespace strata::vmm::devices {
namespace {

// Register offsets from the base port.
constexpr uint64_t rbr_thr = 0, ier_reg = 1, iir_fcr = 2, lcr_reg = 3, mcr_reg = 4, lsr_reg = 5,
                   msr_reg = 6, scr_reg = 7;
constexpr uint8_t ier_rda = 0x01, ier_thre = 0x02;
constexpr uint8_t iir_none = 0x01, iir_thre = 0x02, iir_rda = 0x04, iir_fifo = 0xc0;
constexpr uint8_t lcr_dlab = 0x80;
constexpr uint8_t mcr_dtr = 0x01, mcr_rts = 0x02, mcr_out1 = 0x04, mcr_out2 = 0x08, mcr_loop = 0x10;
constexpr uint8_t lsr_dr = 0x01, lsr_thre = 0x20, lsr_temt = 0x40;
constexpr uint8_t msr_cts = 0x10, msr_dsr = 0x20, msr_ri = 0x40, msr_dcd = 0x80;
constexpr uint8_t fcr_enable = 0x01, fcr_clear_rx = 0x02;

}  // namespace

Serial::Serial(IrqLine* irq, int out_fd, const std::atomic<bool>& cancel)
    : m_irq(irq), m_out_fd(out_fd), m_out_socket(out_fd >= 0 && sys::is_socket(out_fd)), m_cancel(cancel) {}

bool Serial::irq_pending() const {
    return ((m_ier & ier_rda) && !m_rx.empty()) || ((m_ier & ier_thre) && m_thre_pending);
}

uint8_t Serial::iir() const {
    const uint8_t fifo = m_fifo ? iir_fifo : 0;
    if ((m_ier & ier_rda) && !m_rx.empty()) return iir_rda | fifo;
    if ((m_ier & ier_thre) && m_thre_pending) return iir_thre | fifo;
    return iir_none | fifo;
}

// An edge whenever the interrupt output goes from idle to pending, as the 8250's OUT2-gated
// line would show on an ISA edge-triggered IRQ.
void Serial::update_irq(bool was_pending) {
    if (m_irq && !was_pending && irq_pending()) m_irq->trigger();
}

void Serial::transmit(uint8_t byte) {
    if (m_mcr & mcr_loop) {
        if (m_rx.size() < input_capacity) m_rx.push_back(byte);
        return;
    }
    if (m_out_fd < 0 || m_out_broken) return;
    if (auto r = sys::write_all_cancellable(m_out_fd, {&byte, 1}, "serial console output", m_out_socket, m_cancel);
        !r) {
        log::warn("vmm: " + r.error().message() + "; dropping further serial output");
        m_out_broken = true;
    }
}

uint8_t Serial::read_register(uint64_t offset, bool& drained) {
    switch (offset) {
    case rbr_thr:
        if (m_lcr & lcr_dlab) return m_dll;
        if (m_rx.empty()) return 0;
        {
            uint8_t b = m_rx.front();
            m_rx.pop_front();
            drained = m_rx.empty();
            return b;
        }
    case ier_reg:
        return (m_lcr & lcr_dlab) ? m_dlm : m_ier;
    case iir_fcr: {
        uint8_t v = iir();
        if ((v & 0x0f) == iir_thre) m_thre_pending = false;  // reading IIR acknowledges THRE
        return v;
    }
    case lcr_reg:
        return m_lcr;
    case mcr_reg:
        return m_mcr;
    case lsr_reg:
        return (m_rx.empty() ? 0 : lsr_dr) | lsr_thre | lsr_temt;
    case msr_reg:
        if (m_mcr & mcr_loop) {
            return ((m_mcr & mcr_rts) ? msr_cts : 0) | ((m_mcr & mcr_dtr) ? msr_dsr : 0) |
                   ((m_mcr & mcr_out1) ? msr_ri : 0) | ((m_mcr & mcr_out2) ? msr_dcd : 0);
        }
        return msr_dcd | msr_dsr | msr_cts;
    case scr_reg:
        return m_scr;
    default:
        return 0xff;
    }
}

void Serial::write_register(uint64_t offset, uint8_t v) {
    switch (offset) {
    case rbr_thr:
        if (m_lcr & lcr_dlab) {
            m_dll = v;
            return;
        }
        transmit(v);
        // The byte left at once: the holding register is empty again.
        m_thre_pending = true;
        return;
    case ier_reg:
        if (m_lcr & lcr_dlab) {
            m_dlm = v;
            return;
        }
        // Enabling the THRE interrupt with an empty THR raises it at once: Linux's driver relies
        // on that edge to start transmitting (and probes for it at startup).
        if ((v & ier_thre) && !(m_ier & ier_thre)) m_thre_pending = true;
        m_ier = v & 0x0f;
        return;
    case iir_fcr:
        m_fifo = v & fcr_enable;
        if (v & fcr_clear_rx) m_rx.clear();
        return;
    case lcr_reg:
        m_lcr = v;
        return;
    case mcr_reg:
        m_mcr = v & 0x1f;
        return;
    case scr_reg:
        m_scr = v;
        return;
    default:
        return;  // LSR and MSR are read-only
    }
}

void Serial::read(uint64_t offset, std::span<uint8_t> data) {
    bool drained = false;
    {
        std::lock_guard lock(m_lock);
        const bool was = irq_pending();
        for (auto& b : data) b = read_register(offset, drained);
        update_irq(was);
    }
    if (drained && m_on_drained) m_on_drained();
}

void Serial::write(uint64_t offset, std::span<const uint8_t> data) {
    std::lock_guard lock(m_lock);
    // Each byte is its own register write (a `rep outsb` arrives as several).
    for (uint8_t b : data) {
        // The THRE interrupt must edge again for every byte sent, so compare per byte.
        const bool was = irq_pending() && !(offset == rbr_thr && !(m_lcr & lcr_dlab));
        write_register(offset, b);
        update_irq(was);
    }
}

size_t Serial::push_input(std::span<const uint8_t> bytes) {
    std::lock_guard lock(m_lock);
    const bool was = irq_pending();
    size_t n = std::min(bytes.size(), input_capacity - m_rx.size());
    m_rx.insert(m_rx.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
    update_irq(was);
    return n;
}

size_t Serial::input_space() const {
    std::lock_guard lock(m_lock);
    return input_capacity - m_rx.size();
}

}  // namespace strata::vmm::devices
