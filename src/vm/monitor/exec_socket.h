#pragma once
// The monitor's exec socket: how `strata exec` reaches a running VM container. The monitor
// listens on <state dir>/vm/exec.sock (SOCK_SEQPACKET, mode 0600, in the 0700 state dir: only
// root or the state dir's owner can connect). One connection is one exec session; the caller's
// process (the exec proxy) stays connected until the guest process exits, and hanging up kills
// the guest process.
//
//   proxy -> monitor: 'X' + encode_exec (its session id is the monitor's to set) with the
//                     caller's stdin, stdout and stderr as SCM_RIGHTS: the monitor relays the
//                     guest process's stdio to and from these fds itself
//                     'S' + i32 signal             (to the guest process)
//                     'W' + u32 rows + u32 columns (a terminal session's new window size)
//                     'Q' + u8 vm::agent::Query [+ a pod VM's further container's name]
//                                                  (instead of 'X': one question, no stdio)
//                     'C' + str name + str encoded spec + u32 n + n x str entry name, with
//                         stdin, stdout, stderr and the n entries' detached mounts as
//                         SCM_RIGHTS (instead of 'X', only to a pod sandbox's VM): a pod's
//                         further container (vm/share/member_share.h); then a session as an exec's
//   monitor -> proxy: 'P' + u32 pid in the guest + u32 µs the guest took from request to exec
//                     'E' + encode_error           (it could not; the session is over)
//                     'Z' + encode(ExitStatus)     (its exit, after all its output was written)
//                     'R' + the answer to a 'Q' (vm/protocol/guest_query.h); the session is over

namespace strata::vm {

inline constexpr const char* kExecSocket = "exec.sock";
inline constexpr char kExecRequest = 'X';
inline constexpr char kExecSignal = 'S';
inline constexpr char kExecResize = 'W';
inline constexpr char kExecStarted = 'P';
inline constexpr char kExecFailed = 'E';
inline constexpr char kExecExited = 'Z';
inline constexpr char kQueryRequest = 'Q';
inline constexpr char kMemberRequest = 'C';
inline constexpr char kQueryAnswer = 'R';

}  // namespace strata::vm
