#include "cgroup/devices.h"

#include <cstring>

namespace strata::cgroup {

std::string DeviceRule::v1_line() const {
    std::string s(1, type);
    s += " " + (major < 0 ? std::string("*") : std::to_string(major)) + ":" +
         (minor < 0 ? std::string("*") : std::to_string(minor)) + " ";
    if (access & kRead) s += 'r';
    if (access & kWrite) s += 'w';
    if (access & kMknod) s += 'm';
    return s;
}

namespace {

unsigned parse_access(const std::string& a) {
    if (a.empty()) return kMknod | kRead | kWrite;
    unsigned out = 0;
    for (char c : a) out |= c == 'r' ? unsigned{kRead} : c == 'w' ? unsigned{kWrite} : c == 'm' ? unsigned{kMknod} : 0U;
    return out;
}

bool rule_matches(const DeviceRule& r, char type, int64_t major, int64_t minor, unsigned access) {
    if (r.type != 'a' && r.type != type) return false;
    if (r.major >= 0 && r.major != major) return false;
    if (r.minor >= 0 && r.minor != minor) return false;
    // An allow rule grants the request only if it covers all of it; a deny rule takes effect
    // if it covers any of it.
    return r.allow ? (access & ~r.access) == 0 : (access & r.access) != 0;
}

}  // namespace

bool DevicePolicy::allows(char type, int64_t major, int64_t minor, unsigned access) const {
    for (auto it = exceptions.rbegin(); it != exceptions.rend(); ++it)
        if (rule_matches(*it, type, major, minor, access)) return it->allow;
    return default_allow;
}

std::vector<DeviceRule> container_rules(const std::vector<spec::DeviceRule>& spec_rules) {
    std::vector<DeviceRule> rules;
    for (const auto& s : spec_rules) {
        DeviceRule r;
        r.allow = s.allow;
        r.type = s.type.empty() ? 'a' : s.type[0];
        r.major = s.major.value_or(-1);
        r.minor = s.minor.value_or(-1);
        r.access = parse_access(s.access);
        rules.push_back(r);
    }
    if (rules.empty()) return rules;  // no device policy asked for: the cgroup's default (all)
    const DeviceRule defaults[] = {
        {true, 'c', -1, -1, kMknod},        {true, 'b', -1, -1, kMknod},
        {true, 'c', 1, 3, 7},  {true, 'c', 1, 5, 7},  {true, 'c', 1, 7, 7},  // null zero full
        {true, 'c', 1, 8, 7},  {true, 'c', 1, 9, 7},                          // random urandom
        {true, 'c', 5, 0, 7},  {true, 'c', 5, 1, 7},  {true, 'c', 5, 2, 7},  // tty console ptmx
        {true, 'c', 136, -1, 7},                                              // pts
    };
    for (const auto& d : defaults) rules.push_back(d);
    return rules;
}

DevicePolicy reduce(const std::vector<DeviceRule>& rules) {
    DevicePolicy p;
    for (const auto& r : rules) {
        if (r.matches_everything()) {
            // "a *:* rwm" resets the list, as writing "a" to devices.allow/deny does in v1.
            p.default_allow = r.allow;
            p.exceptions.clear();
            continue;
        }
        p.exceptions.push_back(r);
    }
    return p;
}

namespace {

bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
    bpf_insn i;
    std::memset(&i, 0, sizeof i);
    i.code = code;
    i.dst_reg = dst & 0xf;
    i.src_reg = src & 0xf;
    i.off = off;
    i.imm = imm;
    return i;
}

// Registers: r6 = type, r7 = access, r8 = major, r9 = minor (loaded from bpf_cgroup_dev_ctx).
constexpr uint8_t kType = 6, kAcc = 7, kMajor = 8, kMinor = 9, kTmp = 1;

}  // namespace

std::vector<bpf_insn> compile_bpf(const DevicePolicy& policy) {
    std::vector<bpf_insn> prog;
    // struct bpf_cgroup_dev_ctx { u32 access_type /* (access << 16) | type */; u32 major; u32 minor; }
    prog.push_back(insn(BPF_LDX | BPF_W | BPF_MEM, kType, 1, 0, 0));
    prog.push_back(insn(BPF_LDX | BPF_W | BPF_MEM, kMajor, 1, 4, 0));
    prog.push_back(insn(BPF_LDX | BPF_W | BPF_MEM, kMinor, 1, 8, 0));
    prog.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_X, kAcc, kType, 0, 0));
    prog.push_back(insn(BPF_ALU64 | BPF_RSH | BPF_K, kAcc, 0, 0, 16));
    prog.push_back(insn(BPF_ALU64 | BPF_AND | BPF_K, kType, 0, 0, 0xffff));
    // Last rule first: the first one that matches decides.
    for (auto it = policy.exceptions.rbegin(); it != policy.exceptions.rend(); ++it) {
        const DeviceRule& r = *it;
        std::vector<bpf_insn> block;
        std::vector<size_t> to_next;  // jumps to patch to the end of this block
        auto jump_unless = [&](uint8_t op, uint8_t reg, int32_t imm) {
            to_next.push_back(block.size());
            block.push_back(insn(BPF_JMP | op | BPF_K, reg, 0, 0, imm));
        };
        if (r.type != 'a') jump_unless(BPF_JNE, kType, r.type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
        if (r.major >= 0) jump_unless(BPF_JNE, kMajor, static_cast<int32_t>(r.major));
        if (r.minor >= 0) jump_unless(BPF_JNE, kMinor, static_cast<int32_t>(r.minor));
        block.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_X, kTmp, kAcc, 0, 0));
        if (r.allow) {
            block.push_back(insn(BPF_ALU64 | BPF_AND | BPF_K, kTmp, 0, 0, static_cast<int32_t>(~r.access & 7)));
            jump_unless(BPF_JNE, kTmp, 0);  // some requested access is not granted by this rule
        } else {
            block.push_back(insn(BPF_ALU64 | BPF_AND | BPF_K, kTmp, 0, 0, static_cast<int32_t>(r.access)));
            jump_unless(BPF_JEQ, kTmp, 0);  // this deny rule does not touch the request
        }
        block.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, r.allow ? 1 : 0));
        block.push_back(insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
        for (size_t j : to_next) block[j].off = static_cast<int16_t>(block.size() - j - 1);
        prog.insert(prog.end(), block.begin(), block.end());
    }
    prog.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, policy.default_allow ? 1 : 0));
    prog.push_back(insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
    return prog;
}

}  // namespace strata::cgroup
