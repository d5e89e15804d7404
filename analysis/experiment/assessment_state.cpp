#include "analysis/experiment/assessment_state.hpp"

#include "analysis/sequential_status.hpp"

namespace veer::analysis::experiment {

namespace {

using nlohmann::json;

json ratio_json(const RatioCounts& c) {
  return {{"events", c.events}, {"trials", c.trials}};
}

json sample_ratio_json(const stats::SampleRatioState& s) {
  return {{"logEClosed", s.log_e_closed},
          {"weight", s.weight},
          {"canary", s.canary},
          {"total", s.total},
          {"looks", s.looks},
          {"mismatch", s.mismatch},
          {"firedLook", s.fired_look},
          {"firedLogE", s.fired_log_e},
          {"firedWeight", s.fired_weight},
          {"firedCanary", s.fired_canary},
          {"firedTotal", s.fired_total}};
}

// Reads a number field, remembering the first missing or mistyped one.
struct Reader {
  std::string error;

  template <class T>
  T get(const json& j, const std::string& path, const char* key) {
    if (!j.is_object() || !j.contains(key) || !j[key].is_number()) {
      if (error.empty()) error = path + "." + key + ": missing or not a number";
      return T{};
    }
    return j[key].get<T>();
  }
  const json& object(const json& j, const std::string& path, const char* key) {
    static const json empty = json::object();
    if (!j.is_object() || !j.contains(key) || !j[key].is_object()) {
      if (error.empty()) error = path + "." + key + ": missing or not an object";
      return empty;
    }
    return j[key];
  }
};

}  // namespace

json to_json(const AssessmentState& state) {
  json versions = json::array();
  for (const auto& v : state.versions) {
    json metrics = json::object();
    for (const auto& [name, c] : v.last.metrics) metrics[name] = ratio_json(c);
    json tests = json::object();
    for (const auto& [name, s] : v.non_inferiority) tests[name] = analysis::to_json(s);
    json vj = {{"name", v.name},
               {"requests", v.last.requests},
               {"metrics", metrics},
               {"nonInferiority", tests},
               {"sampleRatio", sample_ratio_json(v.sample_ratio)}};
    if (v.failed) {
      vj["failed"] = true;
      vj["failedReason"] = v.failed_reason;
    }
    versions.push_back(vj);
  }
  return {{"looks", state.looks}, {"versions", versions}};
}

Outcome<AssessmentState> parse_assessment_state(const json& j) {
  AssessmentState out;
  Reader r;
  out.looks = r.get<std::int32_t>(j, "state", "looks");
  if (!j.is_object() || !j.contains("versions") || !j["versions"].is_array())
    return fail("state.versions: missing or not an array");
  for (std::size_t i = 0; i < j["versions"].size(); ++i) {
    const auto& vj = j["versions"][i];
    std::string path = "state.versions[" + std::to_string(i) + "]";
    VersionState v;
    if (!vj.is_object() || !vj.contains("name") || !vj["name"].is_string())
      return fail(path + ".name: missing or not a string");
    v.name = vj["name"].get<std::string>();
    v.last.name = v.name;
    v.last.requests = r.get<std::uint64_t>(vj, path, "requests");
    for (const auto& [name, c] : r.object(vj, path, "metrics").items())
      v.last.metrics[name] = {r.get<std::uint64_t>(c, path + ".metrics." + name, "events"),
                              r.get<std::uint64_t>(c, path + ".metrics." + name, "trials")};
    for (const auto& [name, s] : r.object(vj, path, "nonInferiority").items()) {
      auto parsed = parse_sequential_state(s);
      if (!parsed) return fail(path + ".nonInferiority." + name + ": " + parsed.error().message);
      v.non_inferiority[name] = *parsed;
    }
    const auto& sr = r.object(vj, path, "sampleRatio");
    std::string srp = path + ".sampleRatio";
    auto& s = v.sample_ratio;
    s.log_e_closed = r.get<double>(sr, srp, "logEClosed");
    s.weight = r.get<double>(sr, srp, "weight");
    s.canary = r.get<std::uint64_t>(sr, srp, "canary");
    s.total = r.get<std::uint64_t>(sr, srp, "total");
    s.looks = r.get<std::uint64_t>(sr, srp, "looks");
    s.mismatch = sr.value("mismatch", false);
    s.fired_look = r.get<std::uint64_t>(sr, srp, "firedLook");
    s.fired_log_e = r.get<double>(sr, srp, "firedLogE");
    s.fired_weight = r.get<double>(sr, srp, "firedWeight");
    s.fired_canary = r.get<std::uint64_t>(sr, srp, "firedCanary");
    s.fired_total = r.get<std::uint64_t>(sr, srp, "firedTotal");
    v.failed = vj.value("failed", false);
    v.failed_reason = vj.value("failedReason", "");
    out.versions.push_back(std::move(v));
  }
  if (!r.error.empty()) return fail(r.error);
  return out;
}

}  // namespace veer::analysis::experiment
