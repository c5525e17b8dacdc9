#pragma once
// One workload's conversation with the host over the agent channel, from hello to exit.

#include "base/result.h"
#include "vm/protocol/agent_protocol.h"

namespace strata::agent {

// The first frame: the host answers it with the config (so the agent does what needs no config,
// e.g. the rest of the boot, while that is on its way).
Result<> say_hello(int channel, uint64_t boot_uptime_us);

// config -> prepare -> prepared -> start -> relay stdio and signals -> exit. Returns the
// workload's exit status once it was reported; errors were reported to the host already when
// the channel still worked.
Result<vm::agent::ExitStatus> run_session(int channel);

}  // namespace strata::agent
