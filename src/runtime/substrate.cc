#include "runtime/substrate.h"

#include "base/strings.h"

namespace strata::runtime {

std::string_view substrate_name(Substrate s) {
    switch (s) {
        case Substrate::container: return "container";
        case Substrate::bare: return "bare";
        case Substrate::vm: return "vm";
    }
    return "container";
}

Result<Substrate> parse_substrate(std::string_view name, const std::string& where) {
    if (name == "container" || name.empty()) return Substrate::container;
    if (name == "bare") return Substrate::bare;
    if (name == "vm") return Substrate::vm;
    return error(where + ": unknown substrate " + quote(name) + " (container, bare or vm)");
}

Result<Substrate> substrate_of(const spec::Spec& spec, const std::string& override_name) {
    if (!override_name.empty()) return parse_substrate(override_name, "--substrate");
    return parse_substrate(spec.annotation(kSubstrateAnnotation),
                           std::string("config.json: .annotations[\"") + kSubstrateAnnotation + "\"]");
}

}  // namespace strata::runtime
