#include "vmm/devices/virtio/net/tap.h"

#include <fcntl.h>
#include <net/if.h>
#include <sys/ioctl.h>
// <linux/if_tun.h> needs _IOR from <sys/ioctl.h> first.
#include <linux/if_tun.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "sys/ioctl.h"
#include "sys/rw.h"

namespace strata::vmm::virtio {
namespace {

// FIXME: src/sys has no fcntl, getsockopt, send or single write(2) wrappers; these calls belong
// there. Each reads errno right after its call, as sys/ does.
Result<UniqueFd> dup_nonblocking(int fd) {
    const std::string what = "fd " + std::to_string(fd);
    int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (copy < 0) {
        const int err = errno;
        return os_error(err, "dup " + what);
    }
    UniqueFd owned(copy);
    const int flags = ::fcntl(copy, F_GETFL);
    if (flags < 0 || ::fcntl(copy, F_SETFL, flags | O_NONBLOCK) < 0) {
        const int err = errno;
        return os_error(err, "make " + what + " non-blocking");
    }
    return owned;
}

Result<int> socket_type(int fd) {
    int type = 0;
    socklen_t len = sizeof type;
    if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0) {
        const int err = errno;
        return os_error(err, "SO_TYPE of fd " + std::to_string(fd));
    }
    return type;
}

}  // namespace

Result<TapFd> TapFd::open(int fd) {
    const std::string what = "fd " + std::to_string(fd);
    UniqueFd copy = STRATA_TRY(dup_nonblocking(fd));
    ifreq ifr{};
    auto tun = sys::ioctl(copy.get(), TUNGETIFF, &ifr, "TUNGETIFF on " + what);
    if (!tun) {
        // EBADFD: a /dev/net/tun fd on which TUNSETIFF never ran.
        if (tun.error().code == EBADFD)
            return error(what + " is a tun fd not attached to an interface (no TUNSETIFF)");
        if (!sys::is_socket(copy.get()))
            return error(what + " is neither a tap nor a socket: a NIC needs one frame per read and write");
        const int type = STRATA_TRY(socket_type(copy.get()));
        if (type != SOCK_SEQPACKET && type != SOCK_DGRAM)
            return error(what + " is a stream socket: a NIC needs one frame per read and write "
                                "(SOCK_SEQPACKET or SOCK_DGRAM)");
        return TapFd(std::move(copy), true, 0, "socket (" + what + ")");
    }
    const std::string name = std::string(ifr.ifr_name, strnlen(ifr.ifr_name, IFNAMSIZ)) + " (" + what + ")";
    if (!(ifr.ifr_flags & IFF_TAP))
        return error("tun device " + name + " carries IP packets (IFF_TUN): a NIC needs a tap (IFF_TAP)");
    // Best effort: Linux 6.18 reports IFF_NO_PI here even for a tap opened without it.
    if (!(ifr.ifr_flags & IFF_NO_PI))
        return error("tap " + name + " prefixes packet information to frames: open it with IFF_NO_PI");
    size_t header_len = 0;
    if (ifr.ifr_flags & IFF_VNET_HDR) {
        int size = 0;
        STRATA_TRY(sys::ioctl(copy.get(), TUNGETVNETHDRSZ, &size, "TUNGETVNETHDRSZ on tap " + name));
        header_len = static_cast<size_t>(size);
    }
    // No checksum or segmentation offload towards the tap: the kernel then checksums and
    // segments what it sends us, and the guest (offered no offloads either) gets plain frames.
    STRATA_TRY(sys::ioctl_value(copy.get(), TUNSETOFFLOAD, 0, "TUNSETOFFLOAD 0 on tap " + name));
    return TapFd(std::move(copy), false, header_len, "tap " + name);
}

Result<std::optional<size_t>> TapFd::read(std::span<uint8_t> buf) const {
    for (;;) {
        // MSG_TRUNC: a socket reports a datagram's real length, so an oversized one is seen.
        const ssize_t n = m_socket ? ::recv(m_fd.get(), buf.data(), buf.size(), MSG_TRUNC)
                                   : ::read(m_fd.get(), buf.data(), buf.size());
        if (n >= 0) return std::optional<size_t>(static_cast<size_t>(n));
        const int err = errno;
        if (err == EINTR) continue;
        if (err == EAGAIN || err == EWOULDBLOCK) return std::optional<size_t>();
        return os_error(err, "read " + m_name);
    }
}

Result<bool> TapFd::write(std::span<const uint8_t> frame) const {
    for (;;) {
        // MSG_NOSIGNAL: a closed peer is EPIPE, not a SIGPIPE for the whole VMM.
        const ssize_t n = m_socket ? ::send(m_fd.get(), frame.data(), frame.size(), MSG_NOSIGNAL)
                                   : ::write(m_fd.get(), frame.data(), frame.size());
        if (n >= 0) {
            if (static_cast<size_t>(n) != frame.size())
                return os_error(EIO, "write " + m_name + ": short write of " + std::to_string(n) + " of " +
                                         std::to_string(frame.size()) + " bytes");
            return true;
        }
        const int err = errno;
        if (err == EINTR) continue;
        if (err == EAGAIN || err == EWOULDBLOCK) return false;
        return os_error(err, "write " + m_name);
    }
}

}  // namespace strata::vmm::virtio
