#pragma once
// A running guest saved to a file and loaded back, over QMP: the mechanism of strata's booted
// templates (vm/template) and of `strata compare`'s bare-QEMU restore baseline, one copy for
// both. The guest's RAM is not in the stream (x-ignore-shared): it lives in a
// memory-backend-file, shared (share=on) while saving and mapped copy-on-write (share=off) by
// each restore.

#include "base/result.h"
#include "vm/backend/qemu/qmp.h"

namespace strata::vm::qemu {

// Stops the guest and writes its device state to `out` (a file); returns once QEMU reports
// the migration completed.
Result<> save_state(Qmp& qmp, int out, int timeout_ms);

// For a QEMU started with `-incoming defer`: loads the device state from `in` and runs the
// guest (it was saved stopped, so it comes back paused until `cont`).
Result<> load_state(Qmp& qmp, int in, int timeout_ms);

}  // namespace strata::vm::qemu
