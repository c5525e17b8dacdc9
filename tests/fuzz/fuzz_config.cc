#include "tests/fuzz/fuzz_config.h"

#include "base/log.h"
#include "security/seccomp/filter.h"
#include "spec/parse.h"

namespace strata::fuzz {

void init() { log::configure("/dev/null", log::Format::text, false); }

void check_config(std::string_view input) {
    // The other entry points of the parser take the same kind of input (process.json for exec,
    // resources for update).
    if (auto p = spec::parse_process(input, "process.json"); !p) (void)p.error().message();
    if (auto r = spec::parse_resources(input, "resources.json"); !r) (void)r.error().message();

    auto s = spec::parse_config(input, "config.json");
    if (!s) {
        STRATA_CHECK(s.error().message().starts_with("config.json: "));
        return;
    }
    if (!s->linux || !s->linux->seccomp) return;
    auto prog = security::seccomp::compile(*s->linux->seccomp, "config.json");
    if (!prog) {
        STRATA_CHECK(!prog.error().context.empty());
        return;
    }
    STRATA_CHECK(!prog->code.empty() && prog->code.size() <= BPF_MAXINSNS);
    // Every path out of a seccomp program ends in a return: the kernel would refuse it otherwise.
    STRATA_CHECK(BPF_CLASS(prog->code.back().code) == BPF_RET);
}

}  // namespace strata::fuzz
