#include "security/seccomp/enosys.h"

#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>

#include <cerrno>
#include <cstddef>

#include "base/result.h"

namespace strata::security::seccomp {
namespace {

constexpr uint32_t kX32Bit = 0x40000000;  // __X32_SYSCALL_BIT
constexpr uint32_t kRetEnosys = SECCOMP_RET_ERRNO | ENOSYS;

// Where a jump goes, resolved once the layout is known.
enum class To { next, enosys, filter };

struct Insn {
    uint16_t code;
    uint32_t k;
    To jt = To::next, jf = To::next;
    int jt_skip = 0;  // with To::next: extra instructions to skip within the section
};

// One section per audit architecture: x86_64 and x32 share AUDIT_ARCH_X86_64 and differ in the
// x32 bit of the syscall number, so one section may check two maxima.
struct Section {
    uint32_t audit_arch = 0;
    std::vector<Insn> code;
};

uint32_t audit_arch_of(uint32_t token) {
    // libseccomp's tokens are the kernel's AUDIT_ARCH_* values, except its made-up x32 token.
    return token == SCMP_ARCH_X32 ? AUDIT_ARCH_X86_64 : token;
}

Section make_section(uint32_t audit_arch, const ArchMax* native, const ArchMax* x32) {
    Section s;
    s.audit_arch = audit_arch;
    s.code.push_back({BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)});
    if (audit_arch == AUDIT_ARCH_S390 || audit_arch == AUDIT_ARCH_S390X) {
        // The kernel leaves unknown syscall numbers as 0 (setup, unused for decades) on s390.
        s.code.push_back({BPF_JMP | BPF_JEQ | BPF_K, 0, To::enosys, To::next});
    }
    if (audit_arch != AUDIT_ARCH_X86_64) {
        s.code.push_back({BPF_JMP | BPF_JGT | BPF_K, native->max_nr, To::enosys, To::filter});
        return s;
    }
    if (native && x32) {
        // jset x32 -> skip the native check.
        s.code.push_back({BPF_JMP | BPF_JSET | BPF_K, kX32Bit, To::next, To::next, 1});
        s.code.push_back({BPF_JMP | BPF_JGT | BPF_K, native->max_nr, To::enosys, To::filter});
        s.code.push_back({BPF_JMP | BPF_JGT | BPF_K, x32->max_nr, To::enosys, To::filter});
    } else if (native) {
        // An x32 call on a filter without x32 is libseccomp's business (bad architecture).
        s.code.push_back({BPF_JMP | BPF_JSET | BPF_K, kX32Bit, To::filter, To::next});
        s.code.push_back({BPF_JMP | BPF_JGT | BPF_K, native->max_nr, To::enosys, To::filter});
    } else {
        s.code.push_back({BPF_JMP | BPF_JSET | BPF_K, kX32Bit, To::next, To::filter});
        s.code.push_back({BPF_JMP | BPF_JGT | BPF_K, x32->max_nr, To::enosys, To::filter});
    }
    return s;
}

uint8_t short_jump(size_t from, size_t to) {
    // Conditional jumps reach 255 instructions ahead; the stub is a few dozen at most.
    STRATA_CHECK(to > from && to - from - 1 <= 255);
    return static_cast<uint8_t>(to - from - 1);
}

}  // namespace

std::vector<sock_filter> prepend_enosys_stub(const std::vector<sock_filter>& program,
                                             const std::vector<ArchMax>& maxima) {
    std::vector<Section> sections;
    std::vector<uint32_t> done;
    for (const auto& m : maxima) {
        uint32_t audit = audit_arch_of(m.arch);
        bool seen = false;
        for (uint32_t d : done) seen = seen || d == audit;
        if (seen) continue;
        done.push_back(audit);
        const ArchMax *native = nullptr, *x32 = nullptr;
        for (const auto& o : maxima) {
            if (audit_arch_of(o.arch) != audit) continue;
            if (o.arch == SCMP_ARCH_X32) x32 = &o;
            else native = &o;
        }
        sections.push_back(make_section(audit, native, x32));
    }
    if (sections.empty()) return program;

    // Layout: load arch; one jeq per section; ja filter; the sections; ret ENOSYS; the filter.
    size_t header = 1 + sections.size() + 1;
    std::vector<size_t> start;
    size_t pos = header;
    for (const auto& s : sections) {
        start.push_back(pos);
        pos += s.code.size();
    }
    const size_t enosys = pos, filter = pos + 1;

    std::vector<sock_filter> out;
    out.reserve(filter + program.size());
    out.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)));
    for (size_t i = 0; i < sections.size(); ++i) {
        size_t at = out.size();
        out.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, sections[i].audit_arch, short_jump(at, start[i]), 0));
    }
    out.push_back(BPF_STMT(BPF_JMP | BPF_JA, static_cast<uint32_t>(filter - out.size() - 1)));
    for (const auto& s : sections) {
        for (const auto& in : s.code) {
            size_t at = out.size();
            auto target = [&](To t, int skip) -> uint8_t {
                switch (t) {
                    case To::enosys: return short_jump(at, enosys);
                    case To::filter: return short_jump(at, filter);
                    case To::next: break;
                }
                return static_cast<uint8_t>(skip);
            };
            if (BPF_CLASS(in.code) == BPF_JMP)
                out.push_back(BPF_JUMP(in.code, in.k, target(in.jt, in.jt_skip), target(in.jf, 0)));
            else
                out.push_back(BPF_STMT(in.code, in.k));
        }
    }
    out.push_back(BPF_STMT(BPF_RET | BPF_K, kRetEnosys));
    out.insert(out.end(), program.begin(), program.end());
    return out;
}

}  // namespace strata::security::seccomp
