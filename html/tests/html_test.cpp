#include <doctest/doctest.h>

#include <algorithm>

#include "html/html.hpp"
#include "html/svg_chart.hpp"

using namespace veer::html;

TEST_CASE("escape leaves no markup, quote or invalid UTF-8 from a document in a page") {
  CHECK(escape("<script>alert('x')</script>") == "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
  CHECK(escape("a\" onmouseover=\"x") == "a&quot; onmouseover=&quot;x");
  CHECK(escape("R&D") == "R&amp;D");
  CHECK(escape("caf\xC3\xA9 \xE2\x9C\x93") == "caf\xC3\xA9 \xE2\x9C\x93");  // valid UTF-8 kept
  CHECK(escape("bad \xC3( \xED\xA0\x80 \xFF") ==
        "bad \xEF\xBF\xBD( \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD \xEF\xBF\xBD");
  CHECK(escape(std::string("nul\0bell\x07", 9)) ==
        "nul\xEF\xBF\xBD"
        "bell\xEF\xBF\xBD");
  CHECK(escape("line\nnext\ttab") == "line\nnext\ttab");
}

TEST_CASE("form fields are decoded, a missing one is empty") {
  const std::string body = "token=abc%2B%2F%3D&csrf=12+34&empty=&flag";
  CHECK(form_field(body, "token") == "abc+/=");
  CHECK(form_field(body, "csrf") == "12 34");
  CHECK(form_field(body, "empty") == "");
  CHECK(form_field(body, "flag") == "");
  CHECK(form_field(body, "missing") == "");
  CHECK(form_decode("%zz%4") == "%zz%4");  // malformed escapes stay as they are
}

TEST_CASE("numbers for pages and coordinates") {
  CHECK(number(0.5) == "0.5");
  CHECK(number(12345.678, 4) == "1.235e+04");
  CHECK(number(1.0 / 0.0) == "-");
}

TEST_CASE("an SVG chart names its series, limits and decisions and escapes its text") {
  Chart chart;
  chart.id = "metric:<x>";
  chart.title = "rate <b>";
  chart.series = {{"canary", {{0, 1}, {60, 2}, {120, 3}}, false},
                  {"primary", {{0, 1}, {60, 1}}, false}};
  chart.limits = {{"max", 2.5}};
  chart.markers = {{120, "Failed"}};
  const auto svg = render_svg(chart);
  CHECK(svg.find("data-chart=\"metric:&lt;x&gt;\"") != std::string::npos);
  CHECK(svg.find("rate &lt;b&gt;") != std::string::npos);
  CHECK(svg.find("<b>") == std::string::npos);
  CHECK(svg.find("data-series=\"canary\" data-points=\"3\"") != std::string::npos);
  CHECK(svg.find("data-series=\"primary\" data-points=\"2\"") != std::string::npos);
  CHECK(svg.find("data-limit=\"max\" data-value=\"2.5\"") != std::string::npos);
  CHECK(svg.find("data-decision=\"Failed\"") != std::string::npos);

  Chart weight;  // a step series draws a corner point before each change
  weight.series = {{"weight", {{0, 10}, {60, 20}}, true}};
  weight.y_min = 0;
  weight.y_max = 100;
  const auto steps = render_svg(weight);
  const auto points = steps.substr(steps.find(" points=\"") + 9);
  CHECK(std::count(points.begin(), points.begin() + static_cast<long>(points.find('"')), ',') == 3);
}
