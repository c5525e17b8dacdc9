#pragma once
// Device access rules: linux.resources.devices plus the devices every container needs, reduced to
// the model both cgroup versions share — a default (allow/deny) and an ordered exception list
// where the last matching rule wins. v1 writes them to devices.allow/deny; v2 compiles them to a
// BPF_PROG_TYPE_CGROUP_DEVICE program (both from here; pure, unit-tested).

#include <linux/bpf.h>

#include <cstdint>
#include <string>
#include <vector>

#include "spec/spec.h"

namespace strata::cgroup {

enum Access : unsigned { kMknod = 1, kRead = 2, kWrite = 4 };  // = BPF_DEVCG_ACC_*

struct DeviceRule {
    bool allow = false;
    char type = 'a';          // 'a' all, 'c' char, 'b' block
    int64_t major = -1;       // -1 = any
    int64_t minor = -1;
    unsigned access = kMknod | kRead | kWrite;
    bool matches_everything() const { return type == 'a' && major < 0 && minor < 0 && access == 7; }
    std::string v1_line() const;  // "c 1:3 rwm"
};

struct DevicePolicy {
    bool default_allow = true;
    std::vector<DeviceRule> exceptions;  // in order; the last match decides
    bool allows(char type, int64_t major, int64_t minor, unsigned access) const;
};

// The rule list a container gets: the spec's rules, then the devices every container needs
// (null, zero, full, random, urandom, tty, console, ptmx, pts, mknod of anything), as runc does.
// Nodes created from linux.devices get no rule of their own: access is what
// resources.devices says (engines put a device in both).
std::vector<DeviceRule> container_rules(const std::vector<spec::DeviceRule>& spec_rules);
DevicePolicy reduce(const std::vector<DeviceRule>& rules);

// The eBPF program (v2) that enforces `policy`.
std::vector<bpf_insn> compile_bpf(const DevicePolicy& policy);

}  // namespace strata::cgroup
