#pragma once
// virtio-9p (the virtio 9P transport: device ID 9, one request queue, the mount tag in config
// space) in front of a p9::Server: the own VMM's file share, the device QEMU's
// `-fsdev local,security_model=passthrough -device virtio-9p-device` is for the QEMU backend, so
// the guest agent mounts either the same way (trans=virtio, the tag `strata`).
//
// Each chain is one request: the T-message in the device-readable part, the R-message written
// into the device-writable part (Linux's zero-copy reads and writes split these over several
// buffers; the message is contiguous across them either way).
//
// Requests are served on a thread of the device's own, in order: a notify (event loop thread,
// device lock held) only wakes it, so a slow host file (a large read, fsync on a busy disk)
// never holds up the event loop that carries the console and the NICs. The worker takes the
// available chains under the lock, serves them without it (the guest does not touch buffers it
// posted; the server is the worker's alone), and returns them under the lock unless the driver
// reset the device meanwhile (a generation count tells).

#include <condition_variable>
#include <memory>
#include <string>
#include <thread>

#include "base/result.h"
#include "vmm/devices/virtio/device.h"
#include "vmm/devices/virtio/p9/server.h"

namespace strata::vmm::virtio {

class NineP : public VirtioDevice {
public:
    // Exports `root` under the mount tag `tag` (1-255 bytes; errors name it).
    static Result<std::unique_ptr<NineP>> create(const std::string& root, const std::string& tag);
    ~NineP() override;

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
    NineP(std::unique_ptr<p9::Server> server, std::string tag);
    void work();  // the worker thread
    // Serves one chain; returns the bytes written into it. An error is a chain outside guest RAM.
    Result<uint32_t> serve(const GuestMemory& mem, const Chain& chain);

    std::unique_ptr<p9::Server> m_server;  // the worker's alone
    std::string m_tag;
    // Guarded by m_lock.
    const GuestMemory* m_mem = nullptr;
    Queue* m_queue = nullptr;
    Interrupt* m_irq = nullptr;
    uint64_t m_generation = 0;  // bumped by reset()
    bool m_notified = false, m_stop = false;
    std::condition_variable m_wake;
    std::thread m_worker;  // last: started once the rest exists
};

}  // namespace strata::vmm::virtio
