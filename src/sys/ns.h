#pragma once
// Namespace syscalls: setns, unshare, and the type of a namespace fd.

#include "base/result.h"

namespace strata::sys {

Result<> setns(int fd, int nstype, const std::string& what);
Result<> unshare(int flags);
// CLONE_NEW* type of the namespace `fd` refers to (ioctl NS_GET_NSTYPE).
Result<int> namespace_type(int fd, const std::string& what);

}  // namespace strata::sys
