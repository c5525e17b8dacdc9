#pragma once
// A JSON Schema checker for the subset strata's schemas use (type, enum, required, properties,
// additionalProperties: false, items, minimum, maximum, oneOf, local $ref), and an XML
// well-formedness check - for testing strata's own output against docs/.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace strata::test {

// Every violation as "path: what", empty when `doc` is valid.
std::vector<std::string> validate_json(const nlohmann::json& doc, const nlohmann::json& schema);
// True if `xml` is well-formed (balanced, properly nested elements, one root); `why` says where not.
bool xml_well_formed(const std::string& xml, std::string* why);

}  // namespace strata::test
