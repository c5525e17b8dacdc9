#pragma once
// config.json -> Spec. Every error names the file and the JSON path:
//   config.json: .process.args: must be a non-empty array
// Unknown properties are ignored (the spec requires it); any 1.x ociVersion is accepted.

#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "base/result.h"
#include "spec/spec.h"

namespace strata::spec {

// Parses and validates a whole config. `file` names the source in errors ("config.json").
Result<Spec> parse_config(std::string_view text, const std::string& file = "config.json");
// Type-checks and converts without the semantic validation (for `update --resources`).
Result<Resources> parse_resources(std::string_view text, const std::string& file);
Result<Process> parse_process(std::string_view text, const std::string& file);

// Semantic checks that span fields (namespaces vs mappings, duplicate rlimits, ...).
Result<> validate(const Spec& spec, const std::string& file = "config.json");

}  // namespace strata::spec
