#pragma once
// Which substrate hosts a workload: Linux namespaces (container), a plain host process (bare) or a
// micro-VM (vm). Chosen per container by the annotation org.strata.substrate, so it works through
// Podman and containerd unchanged, or by `strata run --substrate`.

#include <string>
#include <string_view>

#include "base/result.h"
#include "spec/spec.h"

namespace strata::runtime {

enum class Substrate { container, bare, vm };

inline constexpr const char* kSubstrateAnnotation = "org.strata.substrate";

std::string_view substrate_name(Substrate s);
Result<Substrate> parse_substrate(std::string_view name, const std::string& where);
// The override (if not empty) wins over the annotation; the default is container.
Result<Substrate> substrate_of(const spec::Spec& spec, const std::string& override_name);

}  // namespace strata::runtime
