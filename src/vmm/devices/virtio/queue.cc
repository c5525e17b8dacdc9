#include "vmm/devices/virtio/queue.h"

#include <atomic>
#include <cstring>

#include "vmm/format.h"

namespace strata::vmm::virtio {
namespace {

struct RawDescriptor {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};
static_assert(sizeof(RawDescriptor) == 16);

// Offsets inside the rings (2.6.6, 2.6.8).
constexpr uint64_t ring_flags = 0, ring_idx = 2, ring_entries = 4;
constexpr uint64_t used_elem_size = 8;

// The driver runs concurrently on another (v)CPU: indices are read with acquire and published
// with release ordering, as the spec's memory barriers demand.
uint16_t load_acquire(uint8_t* p) {
    return std::atomic_ref<uint16_t>(*reinterpret_cast<uint16_t*>(p)).load(std::memory_order_acquire);
}
void store_release(uint8_t* p, uint16_t v) {
    std::atomic_ref<uint16_t>(*reinterpret_cast<uint16_t*>(p)).store(v, std::memory_order_release);
}

// Upper bound on descriptors in one chain including an indirect table, so that a looping chain
// ends with an error instead of hanging the device thread.
constexpr size_t max_chain = 4096;

}  // namespace

uint64_t Chain::readable_bytes() const {
    uint64_t n = 0;
    for (const auto& d : descriptors)
        if (!d.writable) n += d.len;
    return n;
}

uint64_t Chain::writable_bytes() const {
    uint64_t n = 0;
    for (const auto& d : descriptors)
        if (d.writable) n += d.len;
    return n;
}

Result<size_t> Chain::read(const GuestMemory& mem, uint64_t offset, std::span<uint8_t> out) const {
    size_t done = 0;
    for (const auto& d : descriptors) {
        if (d.writable || done == out.size()) break;
        if (offset >= d.len) {
            offset -= d.len;
            continue;
        }
        const uint64_t n = std::min<uint64_t>(d.len - offset, out.size() - done);
        auto src = STRATA_TRY(mem.slice(d.addr + offset, n));
        std::memcpy(out.data() + done, src.data(), n);
        done += n;
        offset = 0;
    }
    return done;
}

Result<size_t> Chain::write(const GuestMemory& mem, uint64_t offset, std::span<const uint8_t> in) const {
    size_t done = 0;
    for (const auto& d : descriptors) {
        if (!d.writable) continue;
        if (done == in.size()) break;
        if (offset >= d.len) {
            offset -= d.len;
            continue;
        }
        const uint64_t n = std::min<uint64_t>(d.len - offset, in.size() - done);
        auto dst = STRATA_TRY(mem.slice(d.addr + offset, n));
        std::memcpy(dst.data(), in.data() + done, n);
        done += n;
        offset = 0;
    }
    return done;
}

Result<> Queue::validate(const GuestMemory& mem) const {
    if (size == 0 || size > m_max_size || (size & (size - 1)) != 0)
        return error("queue size " + std::to_string(size) + " is not a power of two up to " +
                     std::to_string(m_max_size));
    if (desc_addr % 16 || avail_addr % 2 || used_addr % 4)
        return error("queue areas misaligned (descriptors " + hex(desc_addr) + ", driver " +
                     hex(avail_addr) + ", device " + hex(used_addr) + ")");
    // Event-index fields included: 6 bytes of avail header/trailer, 6 of used.
    if (!mem.host(desc_addr, 16ull * size) || !mem.host(avail_addr, 6 + 2ull * size) ||
        !mem.host(used_addr, 6 + used_elem_size * size))
        return error("queue areas outside guest RAM");
    return {};
}

void Queue::reset() {
    size = 0;
    ready = false;
    desc_addr = avail_addr = used_addr = 0;
    m_event_idx = false;
    m_next_avail = m_next_used = m_signalled_used = 0;
}

Result<uint16_t> Queue::avail_idx(const GuestMemory& mem) const {
    uint8_t* p = mem.host(avail_addr + ring_idx, 2);
    if (!p) return error("driver area outside guest RAM");
    return load_acquire(p);
}

Result<> Queue::walk(const GuestMemory& mem, uint16_t head, Chain& chain) const {
    uint64_t table = desc_addr;
    uint32_t table_size = size;
    bool indirect = false;
    bool seen_writable = false;
    uint32_t i = head;
    for (size_t count = 0;; ++count) {
        if (count >= max_chain) return error("descriptor chain from " + std::to_string(head) + " loops");
        if (i >= table_size)
            return error("descriptor index " + std::to_string(i) + " beyond table of " + std::to_string(table_size));
        RawDescriptor d;
        STRATA_TRY(mem.read(table + 16ull * i, {reinterpret_cast<uint8_t*>(&d), sizeof d}));
        if (d.flags & desc_f_indirect) {
            if (indirect) return error("nested indirect descriptor table");
            if (d.flags & desc_f_next) return error("descriptor with both INDIRECT and NEXT");
            if (d.len == 0 || d.len % 16) return error("indirect table of " + std::to_string(d.len) + " bytes");
            table = d.addr;
            table_size = d.len / 16;
            indirect = true;
            i = 0;
            continue;
        }
        const bool writable = d.flags & desc_f_write;
        if (!writable && seen_writable) return error("device-readable descriptor after a writable one");
        seen_writable |= writable;
        chain.descriptors.push_back({d.addr, d.len, writable});
        if (!(d.flags & desc_f_next)) return {};
        i = d.next;
    }
}

Result<std::optional<Chain>> Queue::pop(const GuestMemory& mem) {
    uint16_t avail = STRATA_TRY(avail_idx(mem));
    if (avail == m_next_avail && m_event_idx) {
        // Ask for a notify on the next buffer, then look again: the driver may have added one
        // between our read and its check of avail_event.
        uint8_t* ev = mem.host(used_addr + ring_entries + used_elem_size * size, 2);
        if (!ev) return error("device area outside guest RAM");
        store_release(ev, m_next_avail);
        std::atomic_thread_fence(std::memory_order_seq_cst);
        avail = STRATA_TRY(avail_idx(mem));
    }
    if (avail == m_next_avail) return std::optional<Chain>{};
    if (static_cast<uint16_t>(avail - m_next_avail) > size)
        return error("driver's available index moved by " + std::to_string(static_cast<uint16_t>(avail - m_next_avail)) +
                     " on a queue of " + std::to_string(size));
    const uint64_t slot = avail_addr + ring_entries + 2ull * (m_next_avail % size);
    uint16_t head = STRATA_TRY(mem.read_obj<uint16_t>(slot));
    ++m_next_avail;
    Chain chain;
    chain.head = head;
    STRATA_TRY(walk(mem, head, chain));
    return std::optional<Chain>(std::move(chain));
}

Result<> Queue::push_used(const GuestMemory& mem, uint16_t head, uint32_t len) {
    const uint64_t elem = used_addr + ring_entries + used_elem_size * (m_next_used % size);
    const uint32_t entry[2] = {head, len};
    STRATA_TRY(mem.write(elem, {reinterpret_cast<const uint8_t*>(entry), sizeof entry}));
    ++m_next_used;
    uint8_t* idx = mem.host(used_addr + ring_idx, 2);
    if (!idx) return error("device area outside guest RAM");
    store_release(idx, m_next_used);
    return {};
}

Result<bool> Queue::should_notify(const GuestMemory& mem) {
    // The used index store must be visible before the driver's suppression fields are read, or a
    // driver that just re-enabled interrupts could miss this update.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    const uint16_t old = std::exchange(m_signalled_used, m_next_used);
    if (old == m_next_used) return false;
    if (m_event_idx) {
        uint8_t* p = mem.host(avail_addr + ring_entries + 2ull * size, 2);
        if (!p) return error("driver area outside guest RAM");
        const uint16_t used_event = load_acquire(p);
        // vring_need_event: did the index pass used_event with this batch?
        return static_cast<uint16_t>(m_next_used - used_event - 1) < static_cast<uint16_t>(m_next_used - old);
    }
    uint8_t* flags = mem.host(avail_addr + ring_flags, 2);
    if (!flags) return error("driver area outside guest RAM");
    return !(load_acquire(flags) & avail_f_no_interrupt);
}

}  // namespace strata::vmm::virtio
