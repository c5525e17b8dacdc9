#pragma once
// virtio-blk (virtio 1.1, 5.2) backed by a host file or block device: read, write (unless
// read-only), flush (fdatasync) and get-id, on one request queue. I/O is synchronous on the event
// loop thread, straight between the file and guest memory.

#include <memory>
#include <string>

#include "base/result.h"
#include "base/unique_fd.h"
#include "vmm/devices/virtio/device.h"

namespace strata::vmm::virtio {

class Block : public VirtioDevice {
public:
    // Opens `path` (O_RDONLY when read_only). Its size in 512-byte sectors is the capacity; a
    // trailing partial sector is not visible to the guest.
    static Result<std::unique_ptr<Block>> open(const std::string& path, bool read_only);

    uint32_t device_id() const override;
    uint64_t device_features() const override;
    std::vector<uint16_t> queue_sizes() const override { return {queue_size}; }
    void read_config(uint64_t offset, std::span<uint8_t> data) const override;
    Result<> activate(uint64_t features, const GuestMemory& mem, std::span<Queue> queues,
                      Interrupt& irq) override;
    void queue_notify(uint16_t index) override;
    void reset() override;

    uint64_t capacity_sectors() const { return m_sectors; }
    static constexpr uint16_t queue_size = 256;

private:
    Block(UniqueFd fd, std::string name, uint64_t sectors, bool read_only)
        : m_fd(std::move(fd)), m_name(std::move(name)), m_sectors(sectors), m_read_only(read_only) {}
    // Executes one request; returns the bytes written into the chain (data + status byte).
    uint32_t handle(const Chain& chain);
    uint8_t do_io(const Chain& chain, uint32_t type, uint64_t sector, uint64_t data_len);

    UniqueFd m_fd;
    std::string m_name;
    uint64_t m_sectors;
    bool m_read_only;
    const GuestMemory* m_mem = nullptr;
    Queue* m_queue = nullptr;
    Interrupt* m_irq = nullptr;
};

}  // namespace strata::vmm::virtio
