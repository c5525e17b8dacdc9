#pragma once
// A NETLINK_ROUTE socket in the caller's network namespace (the one it was opened in stays its
// namespace, whatever the thread does later): requests that expect an ack, and dumps.

#include <functional>
#include <string_view>

#include "base/result.h"
#include "base/unique_fd.h"
#include "netlink/message.h"

namespace strata::netlink {

class Socket {
public:
    static Result<Socket> open();

    // Sends `m` and waits for its ack; the kernel's errno (EEXIST, ENODEV...) is the error's code.
    Result<> request(Message& m, std::string_view what);
    // Sends a dump request (NLM_F_DUMP) and passes each reply message's payload (after nlmsghdr)
    // to `each` until NLMSG_DONE.
    Result<> dump(Message& m, std::string_view what, const std::function<Result<>(uint16_t type, std::string_view payload)>& each);

private:
    explicit Socket(UniqueFd fd) : m_fd(std::move(fd)) {}
    Result<> send(Message& m, std::string_view what);
    UniqueFd m_fd;
    uint32_t m_seq = 0;
};

}  // namespace strata::netlink
