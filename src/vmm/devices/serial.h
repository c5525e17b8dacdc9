#pragma once
// A 16550A UART (the PC's COM1 at 0x3f8, IRQ 4): what Linux's 8250 driver and early printk need.
// Transmitted bytes go to a host fd; host input is queued for the receive register. Modem lines
// read as connected and the loopback mode the driver's autoconfig probes is honoured.

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>

#include "vmm/devices/device.h"
#include "vmm/devices/irq.h"

namespace strata::vmm::devices {

class Serial : public BusDevice {
public:
    // `out_fd` (not owned; -1 drops output) receives every byte the guest transmits; a write
    // waiting for a host that does not read gives up once `cancel` is set (machine stopping).
    // `irq` may be null (no interrupts: polling drivers only).
    Serial(IrqLine* irq, int out_fd, const std::atomic<bool>& cancel);

    void read(uint64_t offset, std::span<uint8_t> data) override;
    void write(uint64_t offset, std::span<const uint8_t> data) override;

    // Queues host input for the guest; returns how many bytes fit.
    size_t push_input(std::span<const uint8_t> bytes);
    size_t input_space() const;
    // Called (on a vCPU thread, without the lock held) when the guest has emptied the input queue,
    // so that a paused input source can resume.
    void on_input_drained(std::function<void()> fn) { m_on_drained = std::move(fn); }

    static constexpr size_t input_capacity = 4096;

private:
    uint8_t read_register(uint64_t offset, bool& drained);
    void write_register(uint64_t offset, uint8_t v);
    uint8_t iir() const;
    void update_irq(bool was_pending);
    bool irq_pending() const;
    void transmit(uint8_t byte);

    IrqLine* m_irq;
    int m_out_fd;
    bool m_out_socket;
    const std::atomic<bool>& m_cancel;
    std::function<void()> m_on_drained;

    mutable std::mutex m_lock;
    std::deque<uint8_t> m_rx;
    uint8_t m_ier = 0, m_lcr = 0, m_mcr = 0, m_scr = 0, m_dll = 0x0c, m_dlm = 0;
    bool m_fifo = false;
    bool m_thre_pending = false;  // "THR empty" interrupt until IIR is read or THR written
    bool m_out_broken = false;    // the output fd failed once: drop output from then on
};

}  // namespace strata::vmm::devices
