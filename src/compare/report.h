#pragma once
// Presenting a comparison: a terminal table (substrates as columns, as infrastructure guides lay
// it out, but measured), JSON (docs/compare.schema.json), Markdown, and an SVG chart via gnuplot.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/result.h"
#include "compare/machine.h"
#include "compare/measure.h"

namespace strata::compare {

struct Report {
    Machine machine;
    Options options;
    std::vector<ColumnResult> columns;
    std::string date;  // RFC 3339
    double seconds = 0;  // how long the measuring took
};

nlohmann::json to_json(const Report& r);
std::string to_table(const Report& r);
std::string to_markdown(const Report& r);
// Writes startup and CPU-overhead bar charts to `path` with gnuplot.
Result<> write_svg(const Report& r, const std::string& path);

}  // namespace strata::compare
