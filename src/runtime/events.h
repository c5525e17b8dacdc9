#pragma once
// `events`: runc-compatible JSON events - {"type":"stats","id":..,"data":{..}} and
// {"type":"oom","id":..} - once (--stats) or as a stream until the container stops.

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "base/result.h"
#include "cgroup/stats.h"

namespace strata::runtime {

nlohmann::json stats_json(const cgroup::Stats& s);
Result<nlohmann::json> stats_event(const std::string& root, const std::string& id);
// Calls `emit` with a stats event every `interval` and an oom event whenever the OOM killer acts,
// until the container stops.
Result<> stream_events(const std::string& root, const std::string& id, std::chrono::milliseconds interval,
                       const std::function<void(const nlohmann::json&)>& emit);

}  // namespace strata::runtime
