#include "sys/ioctl.h"

#include <sys/ioctl.h>

#include <string>

namespace strata::sys {

Result<int> ioctl(int fd, unsigned long request, void* arg, std::string_view what) {
    int r = ::ioctl(fd, request, arg);
    if (r < 0) {
        const int err = errno;
        return os_error(err, std::string(what));
    }
    return r;
}

Result<int> ioctl_value(int fd, unsigned long request, unsigned long arg, std::string_view what) {
    int r = ::ioctl(fd, request, arg);
    if (r < 0) {
        const int err = errno;
        return os_error(err, std::string(what));
    }
    return r;
}

}  // namespace strata::sys
