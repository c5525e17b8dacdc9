// Machine::run: one thread per vCPU running KVM_RUN and dispatching its exits to the device
// buses, the device event loop, and the bookkeeping of why the machine ended.

#include <linux/kvm.h>
#include <pthread.h>

#include <cstring>

#include "base/log.h"
#include "sys/thread.h"
#include "vmm/format.h"
#include "vmm/machine_impl.h"

namespace strata::vmm {

int kick_signal() { return SIGRTMIN; }

const char* to_string(ExitReason reason) {
    switch (reason) {
    case ExitReason::reset: return "reset";
    case ExitReason::shutdown: return "shutdown";
    case ExitReason::triple_fault: return "triple fault";
    case ExitReason::stopped: return "stopped";
    case ExitReason::timeout: return "timeout";
    }
    return "?";
}

Machine::Machine(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

Machine::~Machine() {
    // run() joins its threads before returning; a Machine that never ran has none.
    stop();
}

const std::string& Machine::cmdline() const { return m_impl->cmdline; }
const std::string& Machine::kernel_format() const { return m_impl->kernel_format; }

void Machine::stop() { m_impl->request_exit(ExitReason::stopped); }

void Machine::Impl::kick_vcpus() {
    for (auto& t : vcpu_threads) {
        // Harmless if the thread is past KVM_RUN: the signal stays pending (blocked in user space)
        // and interrupts its next KVM_RUN, after which it sees `stopping`.
        if (t.joinable()) (void)sys::signal_thread(t.native_handle(), kick_signal(), "vcpu thread");
    }
}

void Machine::Impl::request_exit(ExitReason reason) {
    {
        std::lock_guard lock(exit_lock);
        if (!exit_reason && !exit_error) exit_reason = reason;
        stopping = true;
    }
    exit_cv.notify_all();
}

void Machine::Impl::fail(Error e) {
    {
        std::lock_guard lock(exit_lock);
        if (!exit_reason && !exit_error) exit_error = std::move(e);
        stopping = true;
    }
    exit_cv.notify_all();
}

namespace {

std::string internal_error(const kvm::Vcpu& vcpu) {
    const kvm_run* run = vcpu.run_data();
    std::string msg = "KVM_EXIT_INTERNAL_ERROR suberror " + std::to_string(run->internal.suberror);
    if (run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION) {
        msg += " (instruction emulation failed";
        if (run->emulation_failure.flags & KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES) {
            msg += ", bytes";
            for (unsigned i = 0; i < run->emulation_failure.insn_size && i < 15; ++i) {
                char b[4];
                std::snprintf(b, sizeof b, " %02x", run->emulation_failure.insn_bytes[i]);
                msg += b;
            }
        }
        msg += ")";
    }
    if (auto regs = vcpu.regs()) msg += " at rip " + hex(regs->rip);
    return msg;
}

}  // namespace

bool Machine::Impl::handle_exit(kvm::Vcpu& vcpu) {
    kvm_run* run = vcpu.run_data();
    switch (run->exit_reason) {
    case KVM_EXIT_IO: {
        uint8_t* data = reinterpret_cast<uint8_t*>(run) + run->io.data_offset;
        for (uint32_t i = 0; i < run->io.count; ++i) {
            std::span<uint8_t> one(data + i * run->io.size, run->io.size);
            if (run->io.direction == KVM_EXIT_IO_OUT) {
                pio.write(run->io.port, one);
            } else {
                std::memset(one.data(), 0, one.size());
                // An empty ISA slot floats high.
                if (!pio.read(run->io.port, one)) std::memset(one.data(), 0xff, one.size());
            }
        }
        return true;
    }
    case KVM_EXIT_MMIO: {
        std::span<uint8_t> data(run->mmio.data, run->mmio.len);
        if (run->mmio.is_write) {
            mmio.write(run->mmio.phys_addr, data);
        } else {
            std::memset(data.data(), 0, data.size());
            if (!mmio.read(run->mmio.phys_addr, data)) std::memset(data.data(), 0xff, data.size());
        }
        return true;
    }
    case KVM_EXIT_SHUTDOWN:
        request_exit(ExitReason::triple_fault);
        return false;
    case KVM_EXIT_SYSTEM_EVENT:
        switch (run->system_event.type) {
        case KVM_SYSTEM_EVENT_SHUTDOWN: request_exit(ExitReason::shutdown); return false;
        case KVM_SYSTEM_EVENT_RESET: request_exit(ExitReason::reset); return false;
        default:
            fail(Error{0, "vcpu " + std::to_string(vcpu.id()) + ": system event " +
                              std::to_string(run->system_event.type)});
            return false;
        }
    case KVM_EXIT_HLT:
        // Only without an in-kernel LAPIC; this VMM always has one.
        fail(Error{0, "vcpu " + std::to_string(vcpu.id()) + ": unexpected HLT exit"});
        return false;
    case KVM_EXIT_FAIL_ENTRY:
        fail(Error{0, "vcpu " + std::to_string(vcpu.id()) + ": KVM_EXIT_FAIL_ENTRY, hardware reason " +
                          hex(run->fail_entry.hardware_entry_failure_reason)});
        return false;
    case KVM_EXIT_INTERNAL_ERROR:
        fail(Error{0, "vcpu " + std::to_string(vcpu.id()) + ": " + internal_error(vcpu)});
        return false;
    default:
        fail(Error{0, "vcpu " + std::to_string(vcpu.id()) + ": unhandled KVM exit reason " +
                          std::to_string(run->exit_reason)});
        return false;
    }
}

void Machine::Impl::vcpu_main(kvm::Vcpu& vcpu) {
    // The kick signal stays blocked in user space and is only deliverable inside KVM_RUN (via
    // KVM_SET_SIGNAL_MASK): a kick can never be lost between the `stopping` check and KVM_RUN.
    auto setup = [&]() -> Result<> {
        STRATA_TRY(sys::block_signal(kick_signal()));
        sigset_t mask = STRATA_TRY(sys::current_signal_mask());
        sigdelset(&mask, kick_signal());
        return vcpu.set_signal_mask(mask);
    };
    if (auto r = setup(); !r) {
        fail(r.error());
        return;
    }
    while (!stopping.load(std::memory_order_acquire)) {
        auto r = vcpu.run();
        if (!r) {
            if (r.error().code == EINTR || r.error().code == EAGAIN) continue;
            fail(Error{r.error().code, "vcpu " + std::to_string(vcpu.id()) + ": " + r.error().context});
            return;
        }
        if (!handle_exit(vcpu)) return;
    }
}

Result<ExitReason> Machine::run(std::chrono::milliseconds timeout) {
    Impl& m = *m_impl;
    if (m.ran) return error("machine already ran");
    m.ran = true;
    STRATA_TRY(m.loop->start());
    for (auto& vcpu : m.vcpus) m.vcpu_threads.emplace_back([&m, &vcpu] { m.vcpu_main(vcpu); });

    {
        std::unique_lock lock(m.exit_lock);
        auto done = [&] { return m.exit_reason || m.exit_error; };
        if (timeout.count() > 0) {
            if (!m.exit_cv.wait_for(lock, timeout, done)) {
                m.exit_reason = ExitReason::timeout;
                m.stopping = true;
            }
        } else {
            m.exit_cv.wait(lock, done);
        }
    }
    m.kick_vcpus();
    for (auto& t : m.vcpu_threads) t.join();
    m.vcpu_threads.clear();
    m.loop->stop();

    std::lock_guard lock(m.exit_lock);
    if (m.exit_error) return std::unexpected(*m.exit_error);
    return *m.exit_reason;
}

}  // namespace strata::vmm
