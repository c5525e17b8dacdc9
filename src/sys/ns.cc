#include "sys/ns.h"

#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>

namespace strata::sys {

Result<> setns(int fd, int nstype, const std::string& what) {
    if (::setns(fd, nstype) < 0) return os_error(errno, "join " + what);
    return {};
}

Result<> unshare(int flags) {
    if (::unshare(flags) < 0) return os_error(errno, "unshare");
    return {};
}

Result<int> namespace_type(int fd, const std::string& what) {
    int t = ::ioctl(fd, NS_GET_NSTYPE);
    if (t < 0) return os_error(errno, what + " is not a namespace");
    return t;
}

}  // namespace strata::sys
