// The self-contained HTML report of `veer experiment run --report FILE.html`: no script and no
// external asset, charts as inline SVG. Every URL, histogram bar and verdict carries data-
// attributes naming it, so a test can read what was drawn.
#pragma once

#include <string>

#include "operator/loadgen/load_generator.hpp"
#include "operator/loadgen/run_assessment.hpp"

namespace veer::loadgen {

std::string render_html_report(const LoadReport& report, const RunAssessment& assessment,
                               const RunSettings& settings);

}  // namespace veer::loadgen
