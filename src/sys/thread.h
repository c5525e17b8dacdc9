#pragma once
// Per-thread signal plumbing for kicking a thread out of a blocking ioctl (KVM_RUN): a signal with
// an empty handler interrupts the call with EINTR instead of killing the process.

#include <pthread.h>
#include <signal.h>

#include <string_view>

#include "base/result.h"

namespace strata::sys {

// Installs a do-nothing handler for `sig` (process-wide, without SA_RESTART).
Result<> install_noop_handler(int sig);
// Adds `sig` to / removes it from the calling thread's blocked set.
Result<> block_signal(int sig);
Result<> unblock_signal(int sig);
// The calling thread's signal mask, for KVM_SET_SIGNAL_MASK.
Result<sigset_t> current_signal_mask();
Result<> signal_thread(pthread_t thread, int sig, std::string_view what);

}  // namespace strata::sys
