#pragma once
// IrqLine: how a device raises its interrupt. The machine backs each line with an eventfd bound to
// a GSI by KVM_IRQFD (the kernel injects it without a trip through the VMM); tests use a counter.

#include <atomic>

#include "base/result.h"
#include "base/unique_fd.h"

namespace strata::vmm::devices {

class IrqLine {
public:
    virtual ~IrqLine() = default;
    // An edge on the line. Safe from any thread.
    virtual void trigger() = 0;
};

class EventFdIrq : public IrqLine {
public:
    static Result<EventFdIrq> create(unsigned gsi);
    int fd() const { return m_fd.get(); }
    unsigned gsi() const { return m_gsi; }
    void trigger() override;

private:
    EventFdIrq(UniqueFd fd, unsigned gsi) : m_fd(std::move(fd)), m_gsi(gsi) {}
    UniqueFd m_fd;
    unsigned m_gsi;
};

// Counts triggers: for unit tests of device models.
class CountingIrq : public IrqLine {
public:
    void trigger() override { ++count; }
    std::atomic<int> count{0};
};

}  // namespace strata::vmm::devices
