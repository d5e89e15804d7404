// The self-contained HTML report of `veer experiment run --report FILE.html`: no script and no
// external asset, charts as inline SVG. Every URL, histogram bar and verdict carries data-
// attributes naming it, so a test can read what was drawn.
#pragma once

#include <string>

#include "operator/loadgen/load_generator.hpp"
#include "operator/loadgen/run_assessment.hpp"

namespace veer::loadgen {

struct ReportSettings {
  double qps = 0;
  double duration_seconds = 0;
  int connections = 0;
  double confidence = 0;
};

std::string render_html_report(const LoadReport& report, const RunAssessment& assessment,
                               const ReportSettings& settings);

}  // namespace veer::loadgen
