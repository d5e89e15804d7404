#include "operator/dashboard/pages.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>

#include "base/time_format.hpp"
#include "html/html.hpp"
#include "html/svg_chart.hpp"
#include "operator/dashboard/json_fields.hpp"

namespace veer::dashboard {

using html::Chart;
using html::escape;
using html::Limit;
using html::Marker;
using html::number;
using html::render_svg;
using html::Series;
namespace {

using nlohmann::json;

// The whole style sheet: embedded, no fonts or images from elsewhere.
constexpr const char* kStyle = R"css(
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d232a;background:#f6f7f9}
header{background:#1d3557;color:#fff;padding:.6em 1.2em;display:flex;gap:1em;align-items:center}
header a{color:#fff;text-decoration:none;font-weight:600}header .user{margin-left:auto}
header form{display:inline}main{padding:1em 1.2em;max-width:1100px}
table{border-collapse:collapse;background:#fff;margin:.5em 0 1.2em}
th,td{border:1px solid #d8dde3;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#eef1f4}pre{white-space:pre-wrap;word-break:break-all;margin:0;font-size:12px}
.bar{display:inline-block;width:80px;height:8px;background:#dde;margin-right:.4em}
.bar span{display:block;height:8px;background:#457b9d}
.phase{font-weight:600}.phase.Succeeded{color:#2a7d2a}.phase.Failed{color:#b3261e}
.phase.Progressing,.phase.Promoting,.phase.Finalising{color:#1d5fa8}
.verdict-fail,.verdict-no-data{color:#b3261e}.verdict-pass{color:#2a7d2a}
.verdict-held,.verdict-inconclusive{color:#a86a00}.notice{background:#fff3cd;padding:.5em;border:1px solid #e0c97a}
.charts{display:flex;flex-wrap:wrap;gap:1em}figure.chart{background:#fff;border:1px solid #d8dde3;margin:0;padding:.5em;width:640px}
figcaption{font-weight:600}svg{width:100%;height:auto}
.axis line{stroke:#e3e6ea}.axis text{font-size:10px;fill:#555}
polyline.series{stroke-width:2}.s0{stroke:#1d5fa8;color:#1d5fa8}.s1{stroke:#e07b00;color:#e07b00}
.s2{stroke:#777;color:#777;stroke-dasharray:4 3}circle.dot{stroke:none}circle.s0{fill:#1d5fa8}
circle.s1{fill:#e07b00}circle.s2{fill:#777}
.s3{stroke:#2a7d2a;color:#2a7d2a}circle.s3{fill:#2a7d2a}.s4{stroke:#b3261e;color:#b3261e}
circle.s4{fill:#b3261e}.s5{stroke:#6a4c93;color:#6a4c93}circle.s5{fill:#6a4c93}line.limit{stroke:#b3261e;stroke-dasharray:6 4}
line.decision{stroke:#6a4c93;stroke-width:1.5;stroke-dasharray:2 2}
.legend .key{margin-right:1em}.legend .key::before{content:"\25A0 ";}
.legend .limit{color:#b3261e}.legend .decision{color:#6a4c93}
form.action{display:inline}button{margin-right:.4em}summary{cursor:pointer}
)css";

std::string phase_span(const std::string& phase) {
  return "<span class=\"phase " + escape(phase) + "\">" + escape(phase.empty() ? "-" : phase) +
         "</span>";
}

std::string weight_cell(int weight) {
  const int w = std::clamp(weight, 0, 100);
  return "<span class=\"bar\"><span style=\"width:" + std::to_string(w) + "%\"></span></span>" +
         std::to_string(weight) + "%";
}

std::string canary_link(const std::string& ns, const std::string& name) {
  return "/canary/" + escape(ns) + "/" + escape(name);
}

double unix_seconds(TimePoint t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

// "request-success-rate: Pass, latency: NoData" with each verdict coloured.
std::string verdicts_cell(const json& status) {
  std::string out;
  for (const auto& m : array_at(object_at(status, "evidence"), "metrics")) {
    const auto verdict = text_at(m, "verdict");
    out += (out.empty() ? "" : ", ") + escape(text_at(m, "name")) + ": <span class=\"verdict-" +
           escape(verdict) + "\">" + escape(verdict) + "</span>";
  }
  return out.empty() ? "-" : out;
}

std::string time_to_decision(const json& status, TimePoint now) {
  const auto& rollout = object_at(status, "rollout");
  const auto phase = text_at(status, "phase");
  const auto started = base::parse_time(text_at(rollout, "startedTime"));
  if (!started) return "-";
  if (phase == "Succeeded" || phase == "Failed") {
    const auto ended = base::parse_time(text_at(status, "lastTransitionTime"));
    if (!ended || *ended < *started) return "-";
    return (phase == "Succeeded" ? "promoted after " : "rolled back after ") +
           duration_text(
               std::chrono::duration_cast<std::chrono::seconds>(*ended - *started).count());
  }
  return "running for " +
         duration_text(std::chrono::duration_cast<std::chrono::seconds>(now - *started).count());
}

// A value of the evidence: numbers and text as they are, lists of text one per line, other
// structures as indented JSON; all escaped.
std::string evidence_value(const json& value) {
  if (value.is_number_integer()) return escape(value.dump());
  if (value.is_number()) {
    const double v = value.get<double>();
    // Times in unix seconds and counts stay whole numbers; the rest gets 6 digits.
    if (std::abs(v) < 1e15 && v == std::floor(v)) return number(v, 16);
    return number(v, 6);
  }
  if (value.is_string()) return "<pre>" + escape(value.get<std::string>()) + "</pre>";
  if (value.is_array() &&
      std::all_of(value.begin(), value.end(), [](const json& v) { return v.is_string(); })) {
    std::string out;
    for (const auto& v : value) out += "<pre>" + escape(v.get<std::string>()) + "</pre>";
    return out;
  }
  return "<pre>" + escape(value.dump(2, ' ', false, json::error_handler_t::replace)) + "</pre>";
}

std::string evidence_table(const json& object, const std::string& id) {
  if (!object.is_object() || object.empty()) return "";
  std::string out = "<table class=\"evidence\" data-evidence=\"" + escape(id) + "\">";
  for (const auto& [k, v] : object.items())
    out += "<tr><th>" + escape(k) + "</th><td data-key=\"" + escape(k) + "\">" + evidence_value(v) +
           "</td></tr>";
  return out + "</table>";
}

// Every metric's verdict and evidence of one look, folded (no script: <details>).
std::string evidence_details(const json& evidence) {
  const auto& metrics = array_at(evidence, "metrics");
  if (metrics.empty()) return "-";
  std::string summary, tables;
  for (const auto& m : metrics) {
    const auto metric = text_at(m, "name");
    summary +=
        (summary.empty() ? "" : ", ") + escape(metric) + ": " + escape(text_at(m, "verdict"));
    tables += "<p>" + escape(metric) + ": " + escape(text_at(m, "message")) + "</p>" +
              evidence_table(object_at(m, "evidence"), "then:" + metric);
  }
  if (!object_at(evidence, "traffic_split").empty())
    tables += "<p>traffic-split guard</p>" +
              evidence_table(object_at(evidence, "traffic_split"), "then:traffic_split");
  return "<details class=\"evidence-then\"><summary>" + summary + " (" +
         escape(text_at(evidence, "time")) + ")</summary>" + tables + "</details>";
}

const json& spec_metrics(const json& canary) {
  return array_at(object_at(object_at(canary, "spec"), "analysis"), "metrics");
}

std::vector<Limit> limits_of(const json& metric) {
  std::vector<Limit> out;
  const auto& range = object_at(metric, "thresholdRange");
  if (auto min = number_at(range, "min")) out.push_back({"min", *min});
  if (auto max = number_at(range, "max")) out.push_back({"max", *max});
  if (out.empty()) {
    if (auto threshold = number_at(metric, "threshold"))
      out.push_back(
          {text_at(metric, "name") == "request-success-rate" ? "min" : "max", *threshold});
  }
  return out;
}

struct Timeline {
  double origin = 0;
  double end = 0;  // seconds after origin
  std::vector<Marker> markers;
};

std::string weight_chart(const RolloutView& view, Timeline& timeline) {
  const auto& rollout = object_at(object_at(view.canary, "status"), "rollout");
  std::vector<std::pair<TimePoint, int>> points;
  std::vector<std::pair<TimePoint, std::string>> phase_changes;
  std::string last_phase;
  for (const auto& step : array_at(rollout, "history")) {
    if (auto t = base::parse_time(text_at(step, "time"))) {
      points.push_back({*t, int_at(step, "weight")});
      const auto phase = text_at(step, "phase");
      if (phase != last_phase && !last_phase.empty()) phase_changes.push_back({*t, phase});
      last_phase = phase;
    }
  }
  for (const auto& s : view.record.samples) points.push_back({s.time, s.weight});
  std::sort(points.begin(), points.end());
  points.erase(std::unique(points.begin(), points.end()), points.end());
  if (points.empty()) {
    points.push_back({view.now, int_at(object_at(view.canary, "status"), "canaryWeight")});
  }
  timeline.origin = unix_seconds(points.front().first);
  // Setting up (Initializing, Initialized) is not a decision about the evidence.
  auto decision = [](const std::string& label) {
    return label != "Initializing" && label != "Initialized";
  };
  for (const auto& d : view.record.decisions)
    if (decision(d.label))
      timeline.markers.push_back({unix_seconds(d.time) - timeline.origin, d.label});
  if (view.record.decisions.empty()) {
    for (const auto& [t, phase] : phase_changes)
      if (decision(phase)) timeline.markers.push_back({unix_seconds(t) - timeline.origin, phase});
  }
  Chart chart;
  chart.id = "weight";
  chart.title = "canary weight (%)";
  chart.origin = timeline.origin;
  chart.y_min = 0;
  chart.y_max = 100;
  Series weight{"weight", {}, true};
  for (const auto& [t, w] : points)
    weight.points.push_back({unix_seconds(t) - timeline.origin, double(w)});
  chart.series.push_back(std::move(weight));
  chart.markers = timeline.markers;
  timeline.end = unix_seconds(points.back().first) - timeline.origin;
  for (const auto& m : timeline.markers) timeline.end = std::max(timeline.end, m.x);
  return render_svg(chart);
}

std::string metric_chart(const RolloutView& view, const std::string& name, const json& spec_metric,
                         const json& current, const Timeline& timeline) {
  Chart chart;
  chart.id = "metric:" + name;
  chart.title = name + ": canary vs primary";
  chart.origin = timeline.origin;
  chart.markers = timeline.markers;
  chart.x_min = 0;
  chart.x_max = timeline.end;
  Series canary{"canary", {}, false}, primary{"primary", {}, false};
  const auto& comparison = object_at(spec_metric, "comparison");
  const bool higher_is_better = text_at(comparison, "direction") == "higher-is-better";
  Series allowed{higher_is_better ? "primary - margin" : "primary + margin", {}, false};
  auto add = [&](double x, const MetricSample& m) {
    if (m.canary) canary.points.push_back({x, *m.canary});
    if (m.primary) primary.points.push_back({x, *m.primary});
    if (m.primary && m.margin)
      allowed.points.push_back({x, *m.primary + (higher_is_better ? -*m.margin : *m.margin)});
  };
  for (const auto& s : view.record.samples) {
    auto it = s.metrics.find(name);
    if (it != s.metrics.end()) add(unix_seconds(s.time) - timeline.origin, it->second);
  }
  if (canary.points.empty() && primary.points.empty() && current.is_object()) {
    const auto& e = object_at(current, "evidence");
    const auto t =
        base::parse_time(text_at(object_at(object_at(view.canary, "status"), "evidence"), "time"));
    add((t ? unix_seconds(*t) : unix_seconds(view.now)) - timeline.origin,
        {number_at(e, "value"), number_at(e, "baseline_value"), number_at(e, "margin"), ""});
  }
  chart.series.push_back(std::move(canary));
  if (!primary.points.empty()) chart.series.push_back(std::move(primary));
  if (!allowed.points.empty()) chart.series.push_back(std::move(allowed));
  chart.limits = limits_of(spec_metric);
  return render_svg(chart);
}

std::string action_forms(const RolloutView& view, const std::string& ns, const std::string& name) {
  std::string out = "<section class=\"actions\"><h2>Actions</h2>";
  for (const char* action : {"promote", "abort", "pause", "resume", "retry"}) {
    out += "<form class=\"action\" method=\"post\" action=\"" + canary_link(ns, name) + "/" +
           action + "\"><input type=\"hidden\" name=\"csrf\" value=\"" + escape(view.csrf) +
           "\"><button type=\"submit\" id=\"action-" + action + "\">" + action + "</button></form>";
  }
  return out + "</section>";
}

std::string decisions_table(const RolloutView& view) {
  std::string out;
  if (!view.record.decisions.empty()) {
    out +=
        "<h3>Recorded by the dashboard</h3><table class=\"decisions\"><tr><th>time</th>"
        "<th>decision</th><th>message</th><th>evidence then</th></tr>";
    for (const auto& d : view.record.decisions) {
      out += "<tr><td>" + escape(base::format_time(d.time)) + "</td><td>" + escape(d.label) +
             "</td><td>" + escape(d.message) + "</td><td>" + evidence_details(d.evidence) +
             "</td></tr>";
    }
    out += "</table>";
  }
  const auto& history = array_at(object_at(object_at(view.canary, "status"), "rollout"), "history");
  if (!history.empty()) {
    out +=
        "<h3>Steps in the status (last 20)</h3><table class=\"steps\"><tr><th>time</th>"
        "<th>phase</th><th>weight</th><th>iteration</th><th>what happened</th></tr>";
    for (const auto& step : history)
      out += "<tr><td>" + escape(text_at(step, "time")) + "</td><td>" +
             phase_span(text_at(step, "phase")) + "</td><td>" +
             std::to_string(int_at(step, "weight")) + "%</td><td>" +
             std::to_string(int_at(step, "iteration")) + "</td><td>" +
             escape(text_at(step, "note")) + "</td></tr>";
    out += "</table>";
  }
  return out.empty() ? "<p>No decision recorded yet.</p>" : out;
}

std::string events_table(const std::vector<json>& events) {
  if (events.empty()) return "<p>No events.</p>";
  std::string out =
      "<table class=\"events\"><tr><th>time</th><th>type</th><th>reason</th>"
      "<th>message</th></tr>";
  for (const auto& e : events) {
    auto time = text_at(e, "lastTimestamp");
    if (time.empty()) time = text_at(e, "eventTime");
    out += "<tr data-reason=\"" + escape(text_at(e, "reason")) + "\"><td>" + escape(time) +
           "</td><td>" + escape(text_at(e, "type")) + "</td><td>" + escape(text_at(e, "reason")) +
           "</td><td>" + escape(text_at(e, "message")) + "</td></tr>";
  }
  return out + "</table>";
}

std::string experiment_link(const std::string& ns, const std::string& name) {
  return "/experiment/" + escape(ns) + "/" + escape(name);
}

// The version most likely best at the last look: "express (P(best) 0.97)"; "" before any reward.
std::string leader_of(const json& status) {
  std::string leader;
  double best = -1;
  for (const auto& v : array_at(object_at(status, "evidence"), "versions")) {
    auto p = number_at(object_at(v, "reward"), "probabilityBest");
    if (p && *p > best) {
      best = *p;
      leader = text_at(v, "name") + " (P(best) " + number(*p, 3) + ")";
    }
  }
  return leader;
}

std::string winner_or_leader(const json& status) {
  if (auto winner = text_at(status, "winner"); !winner.empty()) return "winner " + winner;
  auto leader = leader_of(status);
  return leader.empty() ? "-" : "leading: " + leader;
}

std::string experiment_time_to_decision(const json& status, TimePoint now) {
  const auto started = base::parse_time(text_at(status, "startTime"));
  if (!started) return "-";
  const auto phase = text_at(status, "phase");
  auto seconds = [&](TimePoint end) {
    return duration_text(std::chrono::duration_cast<std::chrono::seconds>(end - *started).count());
  };
  if (phase == "Completed" || phase == "Failed" || phase == "Aborted") {
    const auto ended = base::parse_time(text_at(status, "lastUpdateTime"));
    if (!ended || *ended < *started) return "-";
    return (phase == "Completed" ? "decided after " : "ended after ") + seconds(*ended);
  }
  return "running for " + seconds(now);
}

std::string interval_text(const json& interval) {
  if (!interval.is_array() || interval.size() != 2 || !interval[0].is_number() ||
      !interval[1].is_number())
    return "-";
  return "[" + number(interval[0].get<double>(), 4) + ", " + number(interval[1].get<double>(), 4) +
         "]";
}

// One version's assessment at one look: guardrails, reward and the sample-ratio guard.
std::string version_assessment(const json& v, const std::string& id) {
  const auto name = text_at(v, "name");
  std::string out = "<table class=\"assessment\" data-version=\"" + escape(id) + "\"><tr><th>" +
                    escape(name) +
                    "</th><th>verdict</th><th>events / trials</th>"
                    "<th>interval</th><th>e-value</th><th>why</th></tr>";
  for (const auto& g : array_at(v, "guardrails")) {
    const auto verdict = text_at(g, "verdict");
    auto e = number_at(g, "eValue");
    out += "<tr data-guardrail=\"" + escape(text_at(g, "metric")) + "\"><td>guardrail " +
           escape(text_at(g, "metric")) + "</td><td class=\"verdict-" + escape(verdict) + "\">" +
           escape(verdict) + "</td><td>" + number(number_at(g, "events").value_or(0), 12) + " / " +
           number(number_at(g, "trials").value_or(0), 12) + "</td><td>" +
           interval_text(g.contains("interval") ? g["interval"] : json()) + "</td><td>" +
           (e ? number(*e, 4) : "-") + "</td><td>" + escape(text_at(g, "reason")) + "</td></tr>";
  }
  const auto& reward = object_at(v, "reward");
  if (!reward.empty()) {
    const auto events = number_at(reward, "events"), trials = number_at(reward, "trials");
    const auto p = number_at(reward, "probabilityBest");
    out += "<tr data-reward=\"" + escape(name) + "\"><td>reward</td><td data-key=\"estimate\">" +
           (events && trials && *trials > 0 ? number(*events / *trials, 4) : "-") + "</td><td>" +
           number(events.value_or(0), 12) + " / " + number(trials.value_or(0), 12) +
           "</td><td data-key=\"interval\">" +
           interval_text(reward.contains("interval") ? reward["interval"] : json()) +
           "</td><td>-</td><td data-key=\"probabilityBest\">P(best) " + (p ? number(*p, 3) : "-") +
           "</td></tr>";
  }
  const bool srm = v.contains("sampleRatioMismatch") && v["sampleRatioMismatch"] == true;
  auto srm_e = number_at(v, "sampleRatioEValue");
  out += "<tr data-srm=\"" + std::string(srm ? "mismatch" : "ok") +
         "\"><td>sample-ratio guard</td><td class=\"verdict-" + (srm ? "fail" : "pass") + "\">" +
         (srm ? "mismatch" : "ok") + "</td><td></td><td></td><td>" +
         (srm_e ? number(*srm_e, 4) : "-") + "</td><td>" +
         (v.value("failed", false) ? "failed" : "") + (v.value("live", true) ? "" : " not live") +
         "</td></tr>";
  return out + "</table>";
}

// The assessment a decision was taken on, folded as on the rollout page.
std::string experiment_evidence_details(const json& evidence, const std::string& when) {
  if (evidence.empty()) return "-";
  std::string tables;
  for (const auto& v : array_at(evidence, "versions"))
    tables += version_assessment(v, "then:" + text_at(v, "name"));
  return "<details class=\"evidence-then\"><summary>" + escape(text_at(evidence, "decision")) +
         ": " + escape(text_at(evidence, "reason")) + " (" + escape(when) + ")</summary>" + tables +
         "</details>";
}

std::string experiments_section(const std::vector<json>& experiments, TimePoint now) {
  if (experiments.empty()) return "";
  std::string out =
      "<h1>Experiments</h1><table id=\"experiments\"><tr><th>namespace</th>"
      "<th>name</th><th>phase</th><th>pattern</th><th>looks</th><th>winner or leader</th>"
      "<th>time to decision</th>"
      "<th>versions: weight, requests, objectives failed, P(best)</th></tr>";
  for (const auto& x : experiments) {
    const auto& meta = object_at(x, "metadata");
    const auto& status = object_at(x, "status");
    const auto& spec = object_at(x, "spec");
    const auto ns = text_at(meta, "namespace"), name = text_at(meta, "name");
    std::map<std::string, double> p_best;
    for (const auto& v : array_at(object_at(status, "evidence"), "versions"))
      if (auto p = number_at(object_at(v, "reward"), "probabilityBest"))
        p_best[text_at(v, "name")] = *p;
    std::string versions;
    for (const auto& v : array_at(status, "versions")) {
      const auto version = text_at(v, "name");
      versions += "<div>" + escape(version) + ": " + std::to_string(int_at(v, "weight")) + "%, " +
                  std::to_string(int_at(v, "requestCount")) + " requests, " +
                  std::to_string(array_at(v, "failedObjectives").size()) + " failed" +
                  (v.contains("cutOff") && v["cutOff"] == true ? ", cut off" : "");
      if (auto p = p_best.find(version); p != p_best.end())
        versions += ", P(best) " + number(p->second, 3);
      versions += "</div>";
    }
    const auto& duration = object_at(spec, "duration");
    out +=
        "<tr data-experiment=\"" + escape(ns + "/" + name) + "\"><td>" + escape(ns) +
        "</td><td><a href=\"" + experiment_link(ns, name) + "\">" + escape(name) + "</a></td><td>" +
        phase_span(text_at(status, "phase")) + "</td><td>" +
        escape(text_at(object_at(spec, "strategy"), "testingPattern")) + "</td><td>" +
        std::to_string(int_at(status, "completedIterations")) +
        (int_at(duration, "iterations") > 0 ? "/" + std::to_string(int_at(duration, "iterations"))
                                            : "") +
        "</td><td>" + escape(winner_or_leader(status)) + "</td><td>" +
        escape(experiment_time_to_decision(status, now)) + "</td><td>" +
        (versions.empty() ? "-" : versions) + "</td></tr>";
  }
  return out + "</table>";
}

// The charts of an Experiment page: weights, reward estimate and P(best), one series per version.
std::string experiment_charts(const ExperimentView& view) {
  const auto& status = object_at(view.experiment, "status");
  auto samples = view.record.samples;
  if (samples.empty()) {  // recorded nothing yet (a dashboard started later): the status alone
    ExperimentSample now;
    const auto t = base::parse_time(text_at(status, "lastUpdateTime"));
    now.time = t ? *t : view.now;
    for (const auto& v : array_at(status, "versions"))
      now.versions[text_at(v, "name")].weight = int_at(v, "weight");
    for (const auto& v : array_at(object_at(status, "evidence"), "versions")) {
      const auto& reward = object_at(v, "reward");
      auto& sample = now.versions[text_at(v, "name")];
      const auto events = number_at(reward, "events"), trials = number_at(reward, "trials");
      if (events && trials && *trials > 0) sample.reward = *events / *trials;
      sample.probability_best = number_at(reward, "probabilityBest");
    }
    samples.push_back(std::move(now));
  }
  const double origin = unix_seconds(samples.front().time);
  std::vector<Marker> markers;
  for (const auto& d : view.record.decisions)
    if (d.label != "Initializing") markers.push_back({unix_seconds(d.time) - origin, d.label});
  double end = unix_seconds(samples.back().time) - origin;
  for (const auto& m : markers) end = std::max(end, m.x);
  // Versions in the order of the status (baseline first), then any seen only in the history.
  std::vector<std::string> versions;
  for (const auto& v : array_at(status, "versions")) versions.push_back(text_at(v, "name"));
  for (const auto& s : samples)
    for (const auto& [name, v] : s.versions)
      if (std::find(versions.begin(), versions.end(), name) == versions.end())
        versions.push_back(name);
  auto chart = [&](const std::string& id, const std::string& title, bool steps, double y_max,
                   std::optional<double> (*value)(const VersionSample&)) {
    Chart c;
    c.id = id;
    c.title = title;
    c.y_min = 0;
    if (y_max > 0) c.y_max = y_max;
    c.origin = origin;
    c.markers = markers;
    c.x_min = 0;
    c.x_max = end;
    for (const auto& name : versions) {
      Series series{name, {}, steps};
      for (const auto& s : samples) {
        auto v = s.versions.find(name);
        if (v == s.versions.end()) continue;
        if (auto y = value(v->second)) series.points.push_back({unix_seconds(s.time) - origin, *y});
      }
      c.series.push_back(std::move(series));
    }
    return render_svg(c);
  };
  std::string out = "<div class=\"charts\">";
  out += chart("weights", "weight per version (%)", true, 100,
               [](const VersionSample& v) -> std::optional<double> { return v.weight; });
  out += chart("reward", "reward per version (events / trials)", false, 0,
               [](const VersionSample& v) { return v.reward; });
  out += chart("probability-best", "P(best) per version", false, 1,
               [](const VersionSample& v) { return v.probability_best; });
  return out + "</div>";
}

}  // namespace

std::string duration_text(long long seconds) {
  if (seconds < 0) seconds = 0;
  std::string out;
  if (seconds >= 3600) out += std::to_string(seconds / 3600) + "h";
  if (seconds >= 60) out += std::to_string((seconds / 60) % 60) + "m";
  return out + std::to_string(seconds % 60) + "s";
}

std::string page(const std::string& title, const std::string& user, const std::string& csrf,
                 const std::string& body) {
  std::string header = "<header><a href=\"/\">veer</a><span>" + escape(title) + "</span>";
  if (!user.empty())
    header += "<span class=\"user\">signed in as <b id=\"user\">" + escape(user) +
              "</b> <form method=\"post\" action=\"/logout\"><input type=\"hidden\" "
              "name=\"csrf\" value=\"" +
              escape(csrf) + "\"><button>sign out</button></form></span>";
  header += "</header>";
  return "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
         "content=\"width=device-width\"><title>" +
         escape(title) + " - veer</title><style>" + kStyle + "</style></head><body>" + header +
         "<main>" + body + "</main></body></html>";
}

std::string login_body(const std::string& problem) {
  return "<h1>Sign in</h1>" +
         (problem.empty() ? "" : "<p class=\"notice\" id=\"problem\">" + escape(problem) + "</p>") +
         "<form method=\"post\" action=\"/login\"><label>Bearer token (the dashboard token, or "
         "a Kubernetes token, e.g. <code>kubectl create token NAME</code>) "
         "<input type=\"password\" name=\"token\" id=\"token\" autocomplete=\"off\" "
         "size=\"50\"></label> <button type=\"submit\" id=\"sign-in\">sign in</button></form>";
}

std::string index_body(const std::vector<json>& canaries, const std::vector<json>& experiments,
                       TimePoint now) {
  std::string out = "<h1>Canaries</h1>";
  if (canaries.empty()) {
    out += "<p id=\"no-canaries\">No Canary you may see.</p>";
  } else {
    out +=
        "<table id=\"canaries\"><tr><th>namespace</th><th>name</th><th>phase</th>"
        "<th>weight</th><th>last verdict</th><th>time to decision</th><th>failed checks</th>"
        "<th>waiting for</th></tr>";
    for (const auto& c : canaries) {
      const auto& meta = object_at(c, "metadata");
      const auto& status = object_at(c, "status");
      const auto ns = text_at(meta, "namespace"), name = text_at(meta, "name");
      out += "<tr data-canary=\"" + escape(ns + "/" + name) + "\"><td>" + escape(ns) +
             "</td><td><a href=\"" + canary_link(ns, name) + "\">" + escape(name) +
             "</a></td><td>" + phase_span(text_at(status, "phase")) + "</td><td>" +
             weight_cell(int_at(status, "canaryWeight")) + "</td><td>" + verdicts_cell(status) +
             "</td><td>" + escape(time_to_decision(status, now)) + "</td><td>" +
             std::to_string(int_at(status, "failedChecks")) + "</td><td>" +
             escape(text_at(object_at(status, "rollout"), "waitingFor")) + "</td></tr>";
    }
    out += "</table>";
  }
  return out + experiments_section(experiments, now);
}

std::string rollout_body(const RolloutView& view) {
  const auto& meta = object_at(view.canary, "metadata");
  const auto& status = object_at(view.canary, "status");
  const auto& rollout = object_at(status, "rollout");
  const auto& evidence = object_at(status, "evidence");
  const auto ns = text_at(meta, "namespace"), name = text_at(meta, "name");
  std::string out = "<h1 id=\"rollout\">" + escape(ns + "/" + name) + "</h1>";
  if (!view.notice.empty())
    out += "<p class=\"notice\" id=\"notice\">" + escape(view.notice) + "</p>";
  out += "<table class=\"summary\"><tr><th>phase</th><td id=\"phase\">" +
         phase_span(text_at(status, "phase")) + "</td></tr><tr><th>weight</th><td>" +
         weight_cell(int_at(status, "canaryWeight")) + "</td></tr><tr><th>failed checks</th><td>" +
         std::to_string(int_at(status, "failedChecks")) +
         "</td></tr><tr><th>last verdict</th><td>" + verdicts_cell(status) +
         "</td></tr><tr><th>time to decision</th><td>" +
         escape(time_to_decision(status, view.now)) + "</td></tr><tr><th>waiting for</th><td>" +
         escape(text_at(rollout, "waitingFor")) + "</td></tr><tr><th>message</th><td>" +
         escape(text_at(rollout, "message")) + "</td></tr><tr><th>paused</th><td>" +
         (text_at(object_at(meta, "annotations"), "veer.dev/paused").empty() ? "no" : "yes") +
         "</td></tr></table>";
  if (view.actions) out += action_forms(view, ns, name);

  Timeline timeline;
  out += "<h2>Over time</h2><div class=\"charts\">" + weight_chart(view, timeline);
  std::set<std::string> drawn;
  const auto& current_metrics = array_at(evidence, "metrics");
  auto current_of = [&](const std::string& metric) -> json {
    for (const auto& m : current_metrics)
      if (text_at(m, "name") == metric) return m;
    return nullptr;
  };
  for (const auto& m : spec_metrics(view.canary)) {
    const auto metric = text_at(m, "name");
    if (metric.empty() || !drawn.insert(metric).second) continue;
    out += metric_chart(view, metric, m, current_of(metric), timeline);
  }
  for (const auto& m : current_metrics) {
    const auto metric = text_at(m, "name");
    if (metric.empty() || !drawn.insert(metric).second) continue;
    out += metric_chart(view, metric, json::object(), m, timeline);
  }
  out += "</div>";

  out += "<h2>Evidence behind the last decision</h2>";
  if (evidence.empty()) out += "<p>No analysis has run for this revision yet.</p>";
  if (auto time = text_at(evidence, "time"); !time.empty())
    out += "<p>looked at " + escape(time) + "</p>";
  for (const auto& m : current_metrics) {
    const auto metric = text_at(m, "name"), verdict = text_at(m, "verdict");
    out += "<h3 data-metric=\"" + escape(metric) + "\">" + escape(metric) +
           ": <span class=\"verdict-" + escape(verdict) + "\">" + escape(verdict) + "</span></h3>";
    if (auto message = text_at(m, "message"); !message.empty())
      out += "<p>" + escape(message) + "</p>";
    out += evidence_table(object_at(m, "evidence"), metric);
  }
  if (!object_at(evidence, "sequential").empty())
    out += "<h3>Sequential test</h3>" +
           evidence_table(object_at(evidence, "sequential"), "sequential");
  if (!object_at(evidence, "traffic_split").empty())
    out += "<h3>Traffic-split guard</h3>" +
           evidence_table(object_at(evidence, "traffic_split"), "traffic_split");

  out += "<h2>Decisions</h2>" + decisions_table(view);
  out += "<h2>Events</h2>" + events_table(view.events);
  return out;
}

}  // namespace veer::dashboard

namespace veer::dashboard {

std::string experiment_body(const ExperimentView& view) {
  const auto& meta = object_at(view.experiment, "metadata");
  const auto& spec = object_at(view.experiment, "spec");
  const auto& status = object_at(view.experiment, "status");
  const auto& evidence = object_at(status, "evidence");
  const auto& strategy = object_at(spec, "strategy");
  const auto ns = text_at(meta, "namespace"), name = text_at(meta, "name");
  const bool srm =
      evidence.contains("sampleRatioMismatch") && evidence["sampleRatioMismatch"] == true;
  auto row = [](const std::string& header, const std::string& id, const std::string& cell) {
    return "<tr><th>" + header + "</th><td id=\"" + id + "\">" + cell + "</td></tr>";
  };
  std::string out = "<h1 id=\"experiment\">" + escape(ns + "/" + name) + "</h1>";
  out +=
      "<table class=\"summary\">" + row("phase", "phase", phase_span(text_at(status, "phase"))) +
      row("pattern", "pattern",
          escape(text_at(strategy, "testingPattern")) + ", " +
              escape(text_at(strategy, "traffic"))) +
      row("looks", "looks",
          std::to_string(int_at(status, "completedIterations")) + " of " +
              std::to_string(int_at(object_at(spec, "duration"), "iterations"))) +
      row("winner or leader", "winner", escape(winner_or_leader(status))) +
      row("time to decision", "time-to-decision",
          escape(experiment_time_to_decision(status, view.now))) +
      row("message", "message", escape(text_at(status, "message"))) +
      row("last decision", "decision",
          escape(text_at(evidence, "decision")) +
              (text_at(evidence, "reason").empty() ? ""
                                                   : ": " + escape(text_at(evidence, "reason")))) +
      row("confidence", "confidence",
          number_at(evidence, "confidence") ? number(*number_at(evidence, "confidence"), 4) : "-") +
      row("sample-ratio guard", "srm",
          evidence.empty() ? "-"
          : srm            ? "<span class=\"verdict-fail\">mismatch: the split is not what was "
                             "routed, no winner is declared</span>"
                           : "<span class=\"verdict-pass\">ok</span>") +
      "</table>";

  out += "<h2>Over time</h2>" + experiment_charts(view);

  out += "<h2>Assessment at the last look</h2>";
  if (evidence.empty()) out += "<p>No look has been taken yet.</p>";
  if (auto rule = text_at(evidence, "rule"); !rule.empty())
    out += "<p class=\"rule\">" + escape(rule) + "</p>";
  for (const auto& v : array_at(evidence, "versions"))
    out += version_assessment(v, text_at(v, "name"));

  out += "<h2>Decisions</h2>";
  if (view.record.decisions.empty()) {
    out += "<p>No decision recorded yet.</p>";
  } else {
    out +=
        "<table class=\"decisions\"><tr><th>time</th><th>decision</th><th>message</th>"
        "<th>evidence then</th></tr>";
    for (const auto& d : view.record.decisions) {
      const auto when = base::format_time(d.time);
      out += "<tr><td>" + escape(when) + "</td><td>" + escape(d.label) + "</td><td>" +
             escape(d.message) + "</td><td>" + experiment_evidence_details(d.evidence, when) +
             "</td></tr>";
    }
    out += "</table>";
  }
  out += "<h2>Events</h2>" + events_table(view.events);
  return out;
}

}  // namespace veer::dashboard
