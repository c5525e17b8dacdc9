#pragma once
// The files of a /proc that lists a guest's workload, rendered from the guest's answer to
// Query::processes: what ps-like readers on the host (Podman's `top`, through psgo) read of a
// process. Each file has the kernel's layout, so a parser of the real /proc reads it unchanged;
// what the guest does not report is 0 (see each function). Pure: no syscalls.

#include <cstdint>
#include <string>

#include "vm/protocol/guest_query.h"

namespace strata::vm::procview {

// The guest's clock tick (USER_HZ): what /proc/PID/stat's times count in. It is 100 on every
// architecture Linux guests run on here, and the host's sysconf(_SC_CLK_TCK) says the same.
inline constexpr uint64_t kTicksPerSecond = 100;

// /proc/PID/stat: the 52 fields of proc(5). Known: pid, comm, state, ppid, utime (user and
// system: the guest reports their sum), num_threads, starttime, vsize, rss. The process group
// and session are given as the pid, the terminal as none; the rest are 0.
std::string stat_file(const agent::GuestProcess& p);

// /proc/PID/status: Name, State, Tgid, Pid, PPid, TracerPid, Uid and Gid (four fields each),
// Groups (empty: the guest does not report them), NStgid and NSpid (the workload's pid), VmSize,
// VmRSS, Threads.
std::string status_file(const agent::GuestProcess& p);

// /proc/PID/cmdline: each argument NUL-terminated, empty for a zombie.
std::string cmdline_file(const agent::GuestProcess& p);

// /proc/stat, of which readers of process times need `btime`: the guest's boot as a time on the
// host's clock (`now_s`, when the answer arrived, less the guest's uptime), so that a start time
// plus btime is when the process started and now minus that is its age in the guest.
std::string stat_summary_file(const agent::GuestProcesses& ps, int64_t now_s);

}  // namespace strata::vm::procview
