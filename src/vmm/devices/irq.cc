#include "vmm/devices/irq.h"

#include <string>

#include "sys/eventfd.h"

namespace strata::vmm::devices {

Result<EventFdIrq> EventFdIrq::create(unsigned gsi) {
    UniqueFd fd = STRATA_TRY(sys::eventfd("irq " + std::to_string(gsi)));
    return EventFdIrq(std::move(fd), gsi);
}

void EventFdIrq::trigger() { sys::eventfd_signal(m_fd.get()); }

}  // namespace strata::vmm::devices
