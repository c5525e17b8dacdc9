#pragma once
// virtio-9p (the virtio 9P transport: device ID 9, one request queue, the mount tag in config
// space) in front of a p9::Server: the own VMM's file share, the device QEMU's
// `-fsdev local,security_model=passthrough -device virtio-9p-device` is for the QEMU backend, so
// the guest agent mounts either the same way (trans=virtio, the tag `strata`).
//
// Each chain is one request: the T-message in the device-readable part, the R-message written
// into the device-writable part (Linux's zero-copy reads and writes split these over several
// buffers; the message is contiguous across them either way). Requests are served synchronously
// on the event loop thread, like virtio-blk here.

#include <memory>
#include <string>

#include "base/result.h"
#include "vmm/devices/virtio/device.h"
#include "vmm/devices/virtio/p9/server.h"

namespace strata::vmm::virtio {

class NineP : public VirtioDevice {
public:
    // Exports `root` under the mount tag `tag` (1-255 bytes; errors name it).
    static Result<std::unique_ptr<NineP>> create(const std::string& root, const std::string& tag);

    uint32_t device_id() const override;
    uint64_t device_features() const override;
    std::vector<uint16_t> queue_sizes() const override { return {queue_size}; }
    void read_config(uint64_t offset, std::span<uint8_t> data) const override;
    Result<> activate(uint64_t features, const GuestMemory& mem, std::span<Queue> queues,
                      Interrupt& irq) override;
    void queue_notify(uint16_t index) override;
    void reset() override;

    static constexpr uint16_t queue_size = 128;
    p9::Server& server() { return *m_server; }

private:
    NineP(std::unique_ptr<p9::Server> server, std::string tag) : m_server(std::move(server)), m_tag(std::move(tag)) {}
    // Serves one chain; returns the bytes written into it. An error is a chain outside guest RAM.
    Result<uint32_t> serve(const Chain& chain);

    std::unique_ptr<p9::Server> m_server;
    std::string m_tag;
    const GuestMemory* m_mem = nullptr;
    Queue* m_queue = nullptr;
    Interrupt* m_irq = nullptr;
};

}  // namespace strata::vmm::virtio
