#pragma once
// A split virtqueue (virtio 1.1, 2.6) seen from the device: the driver's descriptor table,
// available ring and used ring in guest memory. pop() hands out validated descriptor chains,
// push_used() returns them, should_notify() applies the driver's interrupt suppression
// (VIRTQ_AVAIL_F_NO_INTERRUPT, or used_event with VIRTIO_F_EVENT_IDX).

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "base/result.h"
#include "vmm/memory/guest_memory.h"

namespace strata::vmm::virtio {

inline constexpr uint16_t desc_f_next = 1, desc_f_write = 2, desc_f_indirect = 4;
inline constexpr uint16_t avail_f_no_interrupt = 1;
inline constexpr uint64_t f_indirect_desc = 1ull << 28, f_event_idx = 1ull << 29,
                          f_version_1 = 1ull << 32;

struct Descriptor {
    uint64_t addr;
    uint32_t len;
    bool writable;
};

// One request: device-readable descriptors first, then device-writable ones (the spec requires
// that order of drivers; pop() rejects chains that break it).
struct Chain {
    uint16_t head = 0;
    std::vector<Descriptor> descriptors;

    uint64_t readable_bytes() const;
    uint64_t writable_bytes() const;
    // Copies bytes [offset, offset + out.size()) of the readable part into `out`; returns how many
    // were available.
    Result<size_t> read(const GuestMemory& mem, uint64_t offset, std::span<uint8_t> out) const;
    // Copies `in` into the writable part from byte `offset`; returns how many fit.
    Result<size_t> write(const GuestMemory& mem, uint64_t offset, std::span<const uint8_t> in) const;
};

class Queue {
public:
    explicit Queue(uint16_t max_size) : m_max_size(max_size) {}

    // Set by the transport from the driver's register writes.
    uint16_t max_size() const { return m_max_size; }
    uint16_t size = 0;
    bool ready = false;
    uint64_t desc_addr = 0, avail_addr = 0, used_addr = 0;

    // Checks what the driver configured before the queue goes live: a power-of-two size up to the
    // maximum, the three areas aligned (16/2/4) and inside guest RAM.
    Result<> validate(const GuestMemory& mem) const;
    // With VIRTIO_F_EVENT_IDX negotiated, used_event/avail_event take over from the flags.
    void set_event_idx(bool on) { m_event_idx = on; }
    // Back to the state after device reset.
    void reset();

    // The next available chain, nullopt when the driver has posted nothing new. An error means
    // the driver broke the ring (index out of range, loop, bad indirect table): the device should
    // stop using the queue.
    Result<std::optional<Chain>> pop(const GuestMemory& mem);
    // Puts `head` with `len` bytes written into the used ring and publishes it.
    Result<> push_used(const GuestMemory& mem, uint16_t head, uint32_t len);
    // True if the driver wants an interrupt for what was pushed since the last call.
    Result<bool> should_notify(const GuestMemory& mem);

    uint16_t next_avail() const { return m_next_avail; }
    uint16_t next_used() const { return m_next_used; }

private:
    Result<uint16_t> avail_idx(const GuestMemory& mem) const;
    Result<> walk(const GuestMemory& mem, uint16_t head, Chain& chain) const;

    uint16_t m_max_size;
    bool m_event_idx = false;
    uint16_t m_next_avail = 0;
    uint16_t m_next_used = 0;
    uint16_t m_signalled_used = 0;  // used idx at the last should_notify()
};

}  // namespace strata::vmm::virtio
