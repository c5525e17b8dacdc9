#include "sys/rw.h"

#include <linux/fs.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

namespace strata::sys {

Result<size_t> read_some(int fd, std::span<uint8_t> buf, std::string_view what) {
    for (;;) {
        ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n >= 0) return static_cast<size_t>(n);
        const int err = errno;
        if (err == EINTR) continue;
        return os_error(err, "read " + std::string(what));
    }
}

bool is_socket(int fd) {
    struct stat st{};
    return ::fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

Result<> write_all_cancellable(int fd, std::span<const uint8_t> buf, std::string_view what, bool socket,
                               const std::atomic<bool>& cancel) {
    // A pipe that polls writable takes PIPE_BUF bytes without blocking; larger writes could.
    constexpr size_t chunk = 4096;
    while (!buf.empty()) {
        if (cancel.load(std::memory_order_relaxed)) return os_error(ECANCELED, "write " + std::string(what));
        pollfd p{fd, POLLOUT, 0};
        int r = ::poll(&p, 1, 100);
        if (r < 0) {
            const int err = errno;
            if (err == EINTR) continue;
            return os_error(err, "poll " + std::string(what));
        }
        if (r == 0) continue;
        const size_t len = std::min(buf.size(), chunk);
        ssize_t n = socket ? ::send(fd, buf.data(), len, MSG_DONTWAIT | MSG_NOSIGNAL) : ::write(fd, buf.data(), len);
        if (n < 0) {
            const int err = errno;
            if (err == EINTR || err == EAGAIN) continue;
            return os_error(err, "write " + std::string(what));
        }
        buf = buf.subspan(static_cast<size_t>(n));
    }
    return {};
}

Result<> pread_exact(int fd, std::span<uint8_t> buf, uint64_t offset, std::string_view what) {
    while (!buf.empty()) {
        ssize_t n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(offset));
        if (n < 0) {
            const int err = errno;
            if (err == EINTR) continue;
            return os_error(err, "read " + std::string(what));
        }
        if (n == 0) return os_error(EIO, "read " + std::string(what) + ": unexpected end of file");
        buf = buf.subspan(static_cast<size_t>(n));
        offset += static_cast<uint64_t>(n);
    }
    return {};
}

Result<> pwrite_exact(int fd, std::span<const uint8_t> buf, uint64_t offset, std::string_view what) {
    while (!buf.empty()) {
        ssize_t n = ::pwrite(fd, buf.data(), buf.size(), static_cast<off_t>(offset));
        if (n < 0) {
            const int err = errno;
            if (err == EINTR) continue;
            return os_error(err, "write " + std::string(what));
        }
        buf = buf.subspan(static_cast<size_t>(n));
        offset += static_cast<uint64_t>(n);
    }
    return {};
}

Result<> fdatasync(int fd, std::string_view what) {
    if (::fdatasync(fd) < 0) {
        const int err = errno;
        return os_error(err, "fdatasync " + std::string(what));
    }
    return {};
}

Result<uint64_t> file_size(int fd, std::string_view what) {
    struct stat st{};
    if (::fstat(fd, &st) < 0) {
        const int err = errno;
        return os_error(err, "stat " + std::string(what));
    }
    if (S_ISBLK(st.st_mode)) {
        uint64_t size = 0;
        if (::ioctl(fd, BLKGETSIZE64, &size) < 0) {
            const int err = errno;
            return os_error(err, "BLKGETSIZE64 " + std::string(what));
        }
        return size;
    }
    return static_cast<uint64_t>(st.st_size);
}

}  // namespace strata::sys
