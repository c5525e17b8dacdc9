#include "vmm/devices/virtio/blk/block.h"

#include <fcntl.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_ids.h>

#include <algorithm>
#include <cstring>

#include "base/log.h"
#include "base/strings.h"
#include "sys/file.h"
#include "sys/rw.h"

namespace strata::vmm::virtio {
namespace {

constexpr uint64_t sector_size = 512;
constexpr uint32_t header_size = 16;  // type, reserved, sector
constexpr char device_id_string[] = "strata-vmm-blk";

struct RequestHeader {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};
static_assert(sizeof(RequestHeader) == header_size);

}  // namespace

Result<std::unique_ptr<Block>> Block::open(const std::string& path, bool read_only) {
    UniqueFd fd = STRATA_TRY(sys::open(path, read_only ? O_RDONLY : O_RDWR));
    const uint64_t size = STRATA_TRY(sys::file_size(fd.get(), quote(path)));
    return std::unique_ptr<Block>(new Block(std::move(fd), quote(path), size / sector_size, read_only));
}

uint32_t Block::device_id() const { return VIRTIO_ID_BLOCK; }

uint64_t Block::device_features() const {
    uint64_t f = f_version_1 | f_event_idx | f_indirect_desc | (1ull << VIRTIO_BLK_F_FLUSH) |
                 (1ull << VIRTIO_BLK_F_SEG_MAX) | (1ull << VIRTIO_BLK_F_BLK_SIZE);
    if (m_read_only) f |= 1ull << VIRTIO_BLK_F_RO;
    return f;
}

void Block::read_config(uint64_t offset, std::span<uint8_t> data) const {
    virtio_blk_config c{};
    c.capacity = m_sectors;
    c.seg_max = queue_size - 2;  // all but the header and status descriptors
    c.blk_size = sector_size;
    const auto* bytes = reinterpret_cast<const uint8_t*>(&c);
    if (offset >= sizeof c) return;
    std::memcpy(data.data(), bytes + offset, std::min<uint64_t>(data.size(), sizeof c - offset));
}

Result<> Block::activate(uint64_t, const GuestMemory& mem, std::span<Queue> queues, Interrupt& irq) {
    if (queues.empty() || !queues[0].ready) return error("request queue not ready");
    m_mem = &mem;
    m_queue = &queues[0];
    m_irq = &irq;
    return {};
}

void Block::reset() {
    m_mem = nullptr;
    m_queue = nullptr;
    m_irq = nullptr;
}

uint8_t Block::do_io(const Chain& chain, uint32_t type, uint64_t sector, uint64_t data_len) {
    if (data_len % sector_size) return VIRTIO_BLK_S_IOERR;
    if (sector > m_sectors || data_len / sector_size > m_sectors - sector) return VIRTIO_BLK_S_IOERR;
    uint64_t file_off = sector * sector_size;
    uint64_t skip = type == VIRTIO_BLK_T_OUT ? header_size : 0;  // OUT data follows the header
    uint64_t left = data_len;
    for (const auto& d : chain.descriptors) {
        if (left == 0) break;
        if ((type == VIRTIO_BLK_T_IN) != d.writable) continue;
        uint64_t off = std::min<uint64_t>(skip, d.len);
        skip -= off;
        uint64_t n = std::min<uint64_t>(d.len - off, left);
        if (n == 0) continue;
        auto buf = m_mem->slice(d.addr + off, n);
        if (!buf) return VIRTIO_BLK_S_IOERR;
        auto r = type == VIRTIO_BLK_T_IN ? sys::pread_exact(m_fd.get(), *buf, file_off, m_name)
                                         : sys::pwrite_exact(m_fd.get(), *buf, file_off, m_name);
        if (!r) {
            log::warn("vmm: virtio-blk: " + r.error().message());
            return VIRTIO_BLK_S_IOERR;
        }
        file_off += n;
        left -= n;
    }
    return VIRTIO_BLK_S_OK;
}

uint32_t Block::handle(const Chain& chain) {
    // The status byte is the last byte of the writable part; without one there is no way to
    // answer, and the request is returned untouched.
    const uint64_t writable = chain.writable_bytes();
    if (writable == 0) return 0;
    RequestHeader h{};
    auto got = chain.read(*m_mem, 0, {reinterpret_cast<uint8_t*>(&h), sizeof h});
    uint8_t status = VIRTIO_BLK_S_IOERR;
    uint64_t written = 0;
    if (got && *got == sizeof h) {
        switch (h.type) {
        case VIRTIO_BLK_T_IN:
            status = do_io(chain, h.type, h.sector, writable - 1);
            if (status == VIRTIO_BLK_S_OK) written = writable - 1;
            break;
        case VIRTIO_BLK_T_OUT:
            status = m_read_only ? VIRTIO_BLK_S_IOERR
                                 : do_io(chain, h.type, h.sector, chain.readable_bytes() - header_size);
            break;
        case VIRTIO_BLK_T_FLUSH:
            status = VIRTIO_BLK_S_OK;
            if (!m_read_only) {
                if (auto r = sys::fdatasync(m_fd.get(), m_name); !r) {
                    log::warn("vmm: virtio-blk: " + r.error().message());
                    status = VIRTIO_BLK_S_IOERR;
                }
            }
            break;
        case VIRTIO_BLK_T_GET_ID: {
            // Up to 20 bytes, NUL-padded only if shorter (5.2.6).
            uint8_t id[VIRTIO_BLK_ID_BYTES] = {};
            std::memcpy(id, device_id_string, std::min(sizeof id, sizeof device_id_string - 1));
            const uint64_t n = std::min<uint64_t>(sizeof id, writable - 1);
            if (auto w = chain.write(*m_mem, 0, {id, n}); w) {
                written = *w;
                status = VIRTIO_BLK_S_OK;
            }
            break;
        }
        default:
            status = VIRTIO_BLK_S_UNSUPP;
            break;
        }
    }
    (void)chain.write(*m_mem, writable - 1, {&status, 1});
    return static_cast<uint32_t>(written + 1);
}

void Block::queue_notify(uint16_t index) {
    if (index != 0 || !m_queue) return;
    for (;;) {
        auto next = m_queue->pop(*m_mem);
        if (!next) {
            log::warn("vmm: virtio-blk " + m_name + ": " + next.error().message());
            m_irq->needs_reset();
            return;
        }
        if (!*next) break;
        const uint32_t len = handle(**next);
        if (auto r = m_queue->push_used(*m_mem, (*next)->head, len); !r) {
            m_irq->needs_reset();
            return;
        }
    }
    auto notify = m_queue->should_notify(*m_mem);
    if (!notify || *notify) m_irq->used_buffer();
}

}  // namespace strata::vmm::virtio
