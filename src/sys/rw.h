#pragma once
// Partial and positioned reads and writes on raw spans (device backends: disk images, consoles).
// `what` names the object in errors and is only built into a string on failure.

#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "base/result.h"

namespace strata::sys {

// One read(2), retried on EINTR: bytes read, 0 at end of file. EAGAIN is returned as an error.
Result<size_t> read_some(int fd, std::span<uint8_t> buf, std::string_view what);
// Writes everything, for device backends that must never block for good (a host that stops
// reading a guest console must not wedge the VMM): waits for POLLOUT in 100 ms slices and gives up
// with ECANCELED once `cancel` is set. `socket`: send(MSG_DONTWAIT | MSG_NOSIGNAL), so a closed
// peer is an EPIPE error rather than a SIGPIPE.
Result<> write_all_cancellable(int fd, std::span<const uint8_t> buf, std::string_view what, bool socket,
                               const std::atomic<bool>& cancel);
bool is_socket(int fd);
// pread/pwrite of exactly buf.size() bytes at `offset`; a short read (end of file) is EIO.
Result<> pread_exact(int fd, std::span<uint8_t> buf, uint64_t offset, std::string_view what);
Result<> pwrite_exact(int fd, std::span<const uint8_t> buf, uint64_t offset, std::string_view what);
Result<> fdatasync(int fd, std::string_view what);
// Size in bytes of a regular file or block device.
Result<uint64_t> file_size(int fd, std::string_view what);

}  // namespace strata::sys
