#pragma once
// The parent <-> container-init protocol over a SOCK_SEQPACKET socketpair (and, for `start`, over
// the init's listening socket). One message per step; the init never builds host-facing error
// text on its own terms: it sends {errno, context} and the receiver turns it into an Error.
//
//   parent -> init : 'C' continue (maps written, cgroup ready; + v1 `tasks` files to write "0" to)
//                    'G' go (exec the process)
//                    'K' committed (create: the state is saved; the init may outlive the parent)
//   init -> parent : 'U' userns created (two-stage)  'P'<pid> stage-2 pid  'R' ready
//                    'H' namespaces and mounts made: run prestart/createRuntime hooks now
//                    'E'<errno>:<context> failed     EOF = exec'd (the socket is CLOEXEC)
//   after 'go'     : init -> 'S'{listenerPath,listenerMetadata} + the seccomp notify fd;
//                    the receiver passes it to the listener and answers 'A' (or 'E')

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace strata::runtime::sync {

constexpr char kContinue = 'C';
constexpr char kGo = 'G';
constexpr char kCommitted = 'K';
constexpr char kUserns = 'U';
constexpr char kPid = 'P';
constexpr char kReady = 'R';
constexpr char kHooks = 'H';
constexpr char kError = 'E';
constexpr char kSeccomp = 'S';
constexpr char kAck = 'A';

Result<> send(int fd, char type, const std::string& payload = "");
// With file descriptors (SCM_RIGHTS): 'C' carries the cgroup `tasks` files the init joins by.
Result<> send(int fd, char type, const std::string& payload, const std::vector<UniqueFd>& fds);
// The bytes of one message, for senders that must not allocate when they send it.
std::string encode(char type, std::string_view payload);
Result<> send_error(int fd, const Error& e);

struct Message {
    char type = 0;  // 0 on EOF
    std::string payload;
    std::vector<UniqueFd> fds;  // passed with SCM_RIGHTS
};
// Receives one message; an 'E' message becomes the returned Error.
Result<Message> receive(int fd);
// Receives and checks the type; EOF or another type is an error naming `step`.
Result<std::string> expect(int fd, char type, const std::string& step);

}  // namespace strata::runtime::sync
