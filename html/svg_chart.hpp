// Line charts rendered on the server as inline SVG (no script, no external assets). Every series,
// limit and decision marker carries data- attributes naming it, so a browser test can check what
// was drawn.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace veer::html {

struct Point {
  double x = 0;  // seconds since the chart's origin
  double y = 0;
};

struct Series {
  std::string name;  // "canary", "primary", "weight": data-series and the legend
  std::vector<Point> points;
  bool steps = false;  // hold each value until the next point (a weight), else straight lines
};

// A horizontal line: a threshold (min/max) or the margin a comparison allows.
struct Limit {
  std::string name;  // "min", "max", "margin"
  double y = 0;
};

// A vertical line where a decision was taken (promoted, rolled back, failed check, ...).
struct Marker {
  double x = 0;
  std::string label;
};

struct Chart {
  std::string id;     // data-chart
  std::string title;  // document text: escaped when drawn
  std::vector<Series> series;
  std::vector<Limit> limits;
  std::vector<Marker> markers;
  std::optional<double> y_min;  // fixed axis bounds (0..100 for a weight); else from the data
  std::optional<double> y_max;
  std::optional<double> x_min;  // the same time range on every chart of a page
  std::optional<double> x_max;
  double origin = 0;  // unix seconds of x = 0, for the time labels (UTC hh:mm:ss)
};

std::string render_svg(const Chart& chart);

}  // namespace veer::html
