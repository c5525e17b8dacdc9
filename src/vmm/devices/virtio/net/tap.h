#pragma once
// TapFd: the host side of a virtio-net device, a non-blocking fd that carries one Ethernet frame
// per read and per write: a tap (IFF_TAP | IFF_NO_PI, optionally IFF_VNET_HDR, in which case
// every frame is preceded by a virtio_net_hdr of the tap's TUNGETVNETHDRSZ length) or, in tests
// and for user-mode helpers, a SOCK_SEQPACKET or SOCK_DGRAM socket.
//
// The syscalls the net device makes live here and nowhere else in it.

#include <cstddef>
#include <optional>
#include <span>
#include <string>

#include "base/result.h"
#include "base/unique_fd.h"

namespace strata::vmm::virtio {

class TapFd {
public:
    // Duplicates `fd` (the caller keeps its own), makes it non-blocking and finds out what it is.
    // On a tap it also turns the kernel's offloads off (TUNSETOFFLOAD 0), so that every frame
    // read is complete and fully checksummed. Errors: not a tap or datagram socket, a tun (IP,
    // not Ethernet) device, a tun fd not attached to an interface, a tap without IFF_NO_PI (where
    // the kernel says so: 6.18 reports IFF_NO_PI for every tap).
    static Result<TapFd> open(int fd);

    int fd() const { return m_fd.get(); }
    // Bytes of vnet header before each frame in both directions (0: bare frames).
    size_t header_len() const { return m_header_len; }
    // "tap0 (fd 5)" or "socket (fd 5)".
    const std::string& name() const { return m_name; }

    // Reads one frame (with the vnet header, if any) into `buf`: nullopt when none is queued
    // (EAGAIN), 0 when the peer closed (sockets). A socket's frame longer than `buf` is
    // reported with its full length (the rest is discarded): more than buf.size() means
    // "truncated".
    Result<std::optional<size_t>> read(std::span<uint8_t> buf) const;
    // Writes one frame; false when the fd cannot take it now (EAGAIN: wait for EPOLLOUT).
    Result<bool> write(std::span<const uint8_t> frame) const;

private:
    TapFd(UniqueFd fd, bool socket, size_t header_len, std::string name)
        : m_fd(std::move(fd)), m_socket(socket), m_header_len(header_len), m_name(std::move(name)) {}

    UniqueFd m_fd;
    bool m_socket;
    size_t m_header_len;
    std::string m_name;
};

}  // namespace strata::vmm::virtio
