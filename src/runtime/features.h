#pragma once
// The OCI features document (`strata features`): what this build of strata supports, truthfully.

#include <nlohmann/json.hpp>

namespace strata::runtime {

nlohmann::json features();

}  // namespace strata::runtime
