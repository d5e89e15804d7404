#include "html/svg_chart.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "html/html.hpp"

namespace veer::html {
namespace {

constexpr double kWidth = 640, kHeight = 220;
constexpr double kLeft = 56, kRight = 12, kTop = 12, kBottom = 28;

std::string clock_text(double unix_seconds) {
  const auto s = static_cast<long long>(std::floor(unix_seconds));
  const auto day = ((s % 86400) + 86400) % 86400;
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%02lld:%02lld:%02lld", day / 3600, (day / 60) % 60,
                day % 60);
  return buffer;
}

struct Scale {
  double x0, x1, y0, y1;
  double x(double v) const { return kLeft + (v - x0) / (x1 - x0) * (kWidth - kLeft - kRight); }
  double y(double v) const {
    return kHeight - kBottom - (v - y0) / (y1 - y0) * (kHeight - kTop - kBottom);
  }
};

Scale scale_of(const Chart& chart) {
  double x0 = 0, x1 = 0, y0 = INFINITY, y1 = -INFINITY;
  bool any_x = false;
  auto take_x = [&](double x) {
    x0 = any_x ? std::min(x0, x) : x;
    x1 = any_x ? std::max(x1, x) : x;
    any_x = true;
  };
  for (const auto& s : chart.series) {
    for (const auto& p : s.points) {
      take_x(p.x);
      y0 = std::min(y0, p.y);
      y1 = std::max(y1, p.y);
    }
  }
  for (const auto& m : chart.markers) take_x(m.x);
  for (const auto& l : chart.limits) {
    y0 = std::min(y0, l.y);
    y1 = std::max(y1, l.y);
  }
  if (!std::isfinite(y0)) y0 = 0, y1 = 1;
  if (chart.y_min) y0 = *chart.y_min;
  if (chart.y_max) y1 = std::max(*chart.y_max, y1);
  if (y1 - y0 < 1e-12) {  // a flat line: give it room
    const double pad = std::max(std::abs(y0) * 0.05, 1e-6);
    y0 -= pad;
    y1 += pad;
  } else if (!chart.y_min || !chart.y_max) {
    const double pad = (y1 - y0) * 0.08;
    if (!chart.y_min) y0 -= pad;
    if (!chart.y_max) y1 += pad;
  }
  if (chart.x_min) x0 = std::min(x0, *chart.x_min);
  if (chart.x_max) x1 = std::max(x1, *chart.x_max);
  if (x1 - x0 < 1) x1 = x0 + 1;
  return {x0, x1, y0, y1};
}

}  // namespace

std::string render_svg(const Chart& chart) {
  const auto sc = scale_of(chart);
  std::string out = "<figure class=\"chart\"><figcaption>" + escape(chart.title) +
                    "</figcaption><svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " +
                    number(kWidth) + " " + number(kHeight) + "\" data-chart=\"" + escape(chart.id) +
                    "\" role=\"img\" aria-label=\"" + escape(chart.title) + "\">";
  // Axes: four y ticks and three x ticks with their values.
  out += "<g class=\"axis\">";
  for (int i = 0; i <= 4; ++i) {
    const double v = sc.y0 + (sc.y1 - sc.y0) * i / 4;
    const auto y = number(sc.y(v), 6);
    out += "<line x1=\"" + number(kLeft) + "\" x2=\"" + number(kWidth - kRight) + "\" y1=\"" + y +
           "\" y2=\"" + y + "\"/><text x=\"" + number(kLeft - 4) + "\" y=\"" + y +
           "\" text-anchor=\"end\" dominant-baseline=\"middle\">" + number(v, 3) + "</text>";
  }
  for (int i = 0; i <= 2; ++i) {
    const double v = sc.x0 + (sc.x1 - sc.x0) * i / 2;
    out += "<text x=\"" + number(sc.x(v), 6) + "\" y=\"" + number(kHeight - 8) +
           "\" text-anchor=\"" +
           (i == 0   ? "start"
            : i == 2 ? "end"
                     : "middle") +
           "\">" + clock_text(chart.origin + v) + "</text>";
  }
  out += "</g>";
  for (const auto& l : chart.limits) {
    const auto y = number(sc.y(l.y), 6);
    out += "<line class=\"limit\" data-limit=\"" + escape(l.name) + "\" data-value=\"" +
           number(l.y, 8) + "\" x1=\"" + number(kLeft) + "\" x2=\"" + number(kWidth - kRight) +
           "\" y1=\"" + y + "\" y2=\"" + y + "\"><title>" + escape(l.name) + " " + number(l.y) +
           "</title></line>";
  }
  for (const auto& m : chart.markers) {
    const auto x = number(sc.x(m.x), 6);
    out += "<line class=\"decision\" data-decision=\"" + escape(m.label) + "\" x1=\"" + x +
           "\" x2=\"" + x + "\" y1=\"" + number(kTop) + "\" y2=\"" + number(kHeight - kBottom) +
           "\"><title>" + escape(m.label) + " at " + clock_text(chart.origin + m.x) +
           "</title></line>";
  }
  for (std::size_t i = 0; i < chart.series.size(); ++i) {
    const auto& s = chart.series[i];
    std::string points;
    for (std::size_t k = 0; k < s.points.size(); ++k) {
      const auto& p = s.points[k];
      if (s.steps && k > 0)
        points += number(sc.x(p.x), 6) + "," + number(sc.y(s.points[k - 1].y), 6) + " ";
      points += number(sc.x(p.x), 6) + "," + number(sc.y(p.y), 6) + " ";
    }
    out += "<polyline class=\"series s" + std::to_string(i) + "\" data-series=\"" + escape(s.name) +
           "\" data-points=\"" + std::to_string(s.points.size()) + "\" fill=\"none\" points=\"" +
           points + "\"><title>" + escape(s.name) + "</title></polyline>";
    for (const auto& p : s.points) {
      out += "<circle class=\"dot s" + std::to_string(i) + "\" r=\"2.5\" cx=\"" +
             number(sc.x(p.x), 6) + "\" cy=\"" + number(sc.y(p.y), 6) + "\"><title>" +
             escape(s.name) + " " + number(p.y) + " at " + clock_text(chart.origin + p.x) +
             "</title></circle>";
    }
  }
  out += "</svg><p class=\"legend\">";
  for (std::size_t i = 0; i < chart.series.size(); ++i)
    out += "<span class=\"key s" + std::to_string(i) + "\">" + escape(chart.series[i].name) +
           "</span> ";
  for (const auto& l : chart.limits)
    out += "<span class=\"key limit\">" + escape(l.name) + " " + number(l.y) + "</span> ";
  if (!chart.markers.empty()) out += "<span class=\"key decision\">decision</span>";
  out += "</p></figure>";
  return out;
}

}  // namespace veer::html
