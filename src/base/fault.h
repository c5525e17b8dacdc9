#pragma once
// Named fault-injection points for the crash-safety tests (tests/faults). The shipped `strata`
// never sets the hook: `point()` is one load of a null pointer and nothing reads the environment.
// Only the test binary `strata-faults` (tests/faults/fault_hook.cc, linked into that executable
// alone) installs a hook, which kills the runtime with SIGKILL at the stage STRATA_FAULT_AT names.
// Stages are string literals "<command>.<step>"; those whose name starts with "init." run in the
// container's init, where the hook kills the init's creator instead and lets the init go on (the
// init must then die by itself).

namespace strata::fault {

using Hook = void (*)(const char* stage);
extern Hook g_hook;

inline void point(const char* stage) {
    if (g_hook) [[unlikely]]
        g_hook(stage);
}

}  // namespace strata::fault
