#pragma once
// `update`: new linux.resources for a running container.

#include <string>

#include "base/result.h"
#include "spec/spec.h"

namespace strata::runtime {

Result<> update(const std::string& root, const std::string& id, const spec::Resources& resources);

}  // namespace strata::runtime
