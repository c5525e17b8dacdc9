#pragma once
// Unix socket syscalls: socketpairs, fd passing (SCM_RIGHTS), listening/connecting at a path
// relative to a directory fd (so long --root paths never hit sun_path's 108-byte limit).

#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace strata::sys {

struct SocketPair {
    UniqueFd a, b;
};
Result<SocketPair> socketpair_seqpacket();
// A connected SOCK_STREAM pair (both ends close-on-exec).
Result<SocketPair> socketpair_stream();

// Sends `data` with optional fds in one message.
Result<> send_msg(int sock, std::string_view data, std::span<const int> fds = {});
struct Message {
    std::string data;            // empty with eof=true when the peer closed
    std::vector<UniqueFd> fds;
    bool eof = false;
};
// How many fds one message carries at most (send_msg refuses more; recv_msg takes no more).
inline constexpr size_t kMaxMessageFds = 32;
// Receives one message of at most `max` bytes and up to kMaxMessageFds fds.
Result<Message> recv_msg(int sock, size_t max = 65536);

// A listening SOCK_SEQPACKET socket bound at dirfd/name.
Result<UniqueFd> listen_at(int dirfd, const std::string& name, int type);
Result<UniqueFd> connect_at(int dirfd, const std::string& name, int type);
Result<UniqueFd> connect_path(const std::string& path, int type);
Result<UniqueFd> accept(int listener);

}  // namespace strata::sys
