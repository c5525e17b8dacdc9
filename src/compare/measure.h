#pragma once
// What `strata compare` measures, per column, and how: startup (to the workload's first
// instruction and to its exit), CPU overhead (compute and syscalls, relative to bare metal),
// memory per idle instance, density within a memory budget, I/O to the root filesystem and to a
// bind-mounted host directory, and the isolation that was actually applied.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "compare/columns.h"
#include "compare/workload.h"

namespace strata::compare {

struct Stat {
    double median = 0, p95 = 0, min = 0;
    size_t n = 0;
    static Stat of(std::vector<double> v);
};

// Counted, not projected: idle instances are started in waves and held running until their
// PSS fills the budget, the cap is reached, or the time bound passes (measure.cc).
struct Density {
    int started = 0;           // instances up and held running at once
    double seconds = 0;        // the waves' start times added up (each until all its markers came)
    double used_mib = 0;       // their PSS, summed, with all of them running
    int cap = 0;
    std::string stopped_by;    // "budget", "cap", "time" or "failure"
    int projected = 0;         // beside it, labelled so: budget / memory per instance
};

struct Io {
    double write_mbps = 0, read_mbps = 0;
};

struct Isolation {
    std::string boundary;                 // "process", "namespaces+cgroups+seccomp", "separate kernel"
    std::vector<std::string> namespaces;  // private to the workload
    int capabilities = -1;                // effective capabilities left
    std::string seccomp;                  // "off", "filter", "strict"
    bool no_new_privs = false;
    std::string kernel;                   // the kernel the workload runs on
};

struct ColumnResult {
    Column column;
    Stat ready_ms, exit_ms;
    // crun's "v1 view" on hybrid hosts: what its private mount namespace (unshare, make private,
    // unmount cgroup2) adds to each startup figure, measured in the same rounds.
    struct Wrapper {
        Stat wrapped, plain;  // /bin/true spawned with and without it
        double median() const { return wrapped.median - plain.median; }
    };
    std::optional<Wrapper> wrapper_ms;
    Stat cpu_ms, syscall_ms;
    // One metric for every column: the PSS of the instance's host processes (measure.cc).
    std::optional<double> memory_mib;     // per idle instance, beyond the workload's own (bare's)
    std::optional<double> pss_mib;        // all of it
    std::optional<double> kernel_mib;     // beside it: its memory cgroup's kernel memory, if it has one
    std::optional<Density> density;
    std::optional<Io> io_root, io_bind;
    std::optional<Isolation> isolation;
    std::vector<std::string> notes;       // what could not be measured, and why
};

struct Options {
    int startup_runs = 10;
    long long cpu_iterations = 30'000'000;
    long long syscalls = 300'000;
    int cpu_runs = 3;
    int density_cap = 200;                // instances per container column at most
    int vm_density_cap = 20;              // per VM column
    uint64_t budget_mib = 2048;
    int io_mib = 32;
    bool thorough = false;
    std::vector<std::string> only;        // column keys; empty = all
};

using Progress = std::function<void(double fraction, const std::string& what)>;

// Runs every measurement on every available column, interleaved where timing matters.
Result<std::vector<ColumnResult>> measure(std::vector<Column> columns, Workload& w, const Options& o,
                                          const Progress& progress);

}  // namespace strata::compare
