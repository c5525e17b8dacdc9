#include "cgroup/devices.h"

#include <gtest/gtest.h>

namespace strata::cgroup {
namespace {

spec::DeviceRule rule(bool allow, std::string type, std::optional<int64_t> maj, std::optional<int64_t> min, std::string access) {
    spec::DeviceRule r;
    r.allow = allow;
    r.type = type;
    r.major = maj;
    r.minor = min;
    r.access = access;
    return r;
}

// Runs the subset of eBPF that compile_bpf emits, on a bpf_cgroup_dev_ctx.
int run_bpf(const std::vector<bpf_insn>& prog, uint32_t type, uint32_t access, uint32_t major, uint32_t minor) {
    uint32_t ctx[3] = {(access << 16) | type, major, minor};
    uint64_t r[11] = {};
    for (size_t pc = 0; pc < prog.size(); ++pc) {
        const bpf_insn& i = prog[pc];
        uint64_t src = (BPF_SRC(i.code) == BPF_X) ? r[i.src_reg] : static_cast<uint64_t>(static_cast<int64_t>(i.imm));
        switch (BPF_CLASS(i.code)) {
            case BPF_LDX: r[i.dst_reg] = ctx[i.off / 4]; break;
            case BPF_ALU64:
                switch (BPF_OP(i.code)) {
                    case BPF_MOV: r[i.dst_reg] = src; break;
                    case BPF_AND: r[i.dst_reg] &= src; break;
                    case BPF_RSH: r[i.dst_reg] >>= src; break;
                    default: ADD_FAILURE() << "unexpected ALU op"; return -1;
                }
                break;
            case BPF_JMP:
                if (BPF_OP(i.code) == BPF_EXIT) return static_cast<int>(r[0]);
                if (BPF_OP(i.code) == BPF_JNE && r[i.dst_reg] != src) pc += i.off;
                if (BPF_OP(i.code) == BPF_JEQ && r[i.dst_reg] == src) pc += i.off;
                break;
            default: ADD_FAILURE() << "unexpected class"; return -1;
        }
    }
    ADD_FAILURE() << "fell off the end";
    return -1;
}

TEST(Devices, DefaultRulesAllowTheStandardDevicesAndNothingElse) {
    auto p = reduce(container_rules({rule(false, "a", {}, {}, "rwm")}));
    EXPECT_FALSE(p.default_allow);
    EXPECT_TRUE(p.allows('c', 1, 3, kRead | kWrite));   // null
    EXPECT_TRUE(p.allows('c', 1, 9, kRead));            // urandom
    EXPECT_TRUE(p.allows('c', 136, 4, kRead | kWrite)); // pts
    EXPECT_TRUE(p.allows('c', 5, 2, kRead | kWrite));   // ptmx
    EXPECT_FALSE(p.allows('b', 8, 0, kRead));           // a disk
    EXPECT_FALSE(p.allows('c', 10, 200, kRead));        // tun
    EXPECT_TRUE(p.allows('b', 8, 0, kMknod));           // mknod is allowed, opening is not
}

TEST(Devices, LaterRulesWinAndPartialAccessIsDenied) {
    auto p = reduce(container_rules({rule(false, "a", {}, {}, "rwm"), rule(true, "c", 10, 200, "r"),
                                     rule(false, "c", 1, 3, "w")}));
    EXPECT_TRUE(p.allows('c', 10, 200, kRead));
    EXPECT_FALSE(p.allows('c', 10, 200, kRead | kWrite));
    EXPECT_TRUE(p.allows('c', 1, 3, kRead));
    // The defaults come after the spec's rules (runc's order), so /dev/null stays writable...
    EXPECT_TRUE(p.allows('c', 1, 3, kWrite));
    // ...while a deny after an allow wins.
    auto q = reduce({DeviceRule{false, 'a', -1, -1, 7}, DeviceRule{true, 'c', 1, 3, 7}, DeviceRule{false, 'c', 1, 3, kWrite}});
    EXPECT_FALSE(q.allows('c', 1, 3, kWrite));
    EXPECT_TRUE(q.allows('c', 1, 3, kRead));
}

TEST(Devices, NoRulesMeansNoPolicy) { EXPECT_TRUE(container_rules({}).empty()); }

TEST(Devices, V1Lines) {
    EXPECT_EQ((DeviceRule{true, 'c', 1, 3, 7}.v1_line()), "c 1:3 rwm");
    EXPECT_EQ((DeviceRule{true, 'c', 136, -1, kRead | kWrite}.v1_line()), "c 136:* rw");
    EXPECT_EQ((DeviceRule{true, 'b', -1, -1, kMknod}.v1_line()), "b *:* m");
}

TEST(Devices, CompiledProgramAgreesWithThePolicyEverywhere) {
    std::vector<DevicePolicy> policies = {
        reduce(container_rules({rule(false, "a", {}, {}, "rwm")})),
        reduce(container_rules({rule(false, "a", {}, {}, "rwm"), rule(true, "c", 10, 200, "r"), rule(false, "c", 1, {}, "w")})),
        reduce({DeviceRule{true, 'a', -1, -1, 7}, DeviceRule{false, 'b', 8, -1, kWrite}}),
    };
    for (const auto& p : policies) {
        auto prog = compile_bpf(p);
        for (char type : {'c', 'b'})
            for (int64_t maj : {1, 5, 8, 10, 136})
                for (int64_t min : {0, 1, 2, 3, 9, 200})
                    for (unsigned acc = 1; acc <= 7; ++acc) {
                        uint32_t t = type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;
                        EXPECT_EQ(run_bpf(prog, t, acc, static_cast<uint32_t>(maj), static_cast<uint32_t>(min)) == 1,
                                  p.allows(type, maj, min, acc))
                            << type << " " << maj << ":" << min << " access " << acc;
                    }
    }
}

}  // namespace
}  // namespace strata::cgroup
