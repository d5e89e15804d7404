#include "model/experiment.hpp"

#include <algorithm>
#include <set>

#include "model/canary_readers.hpp"
#include "model/document.hpp"
#include "model/field_reader.hpp"
#include "model/kind_header.hpp"
#include "model/mesh_providers.hpp"

namespace veer::model {

namespace {

const std::vector<std::string> kPatterns{"canary", "ab", "abn", "conformance", "performance"};
const std::vector<std::string> kTrafficStrategies{"progressive", "top-2", "uniform", "fixed-split",
                                                  "thompson"};
const std::vector<std::string> kPhases{"Pending",   "Initializing", "Running",
                                       "Completed", "Failed",       "Aborted"};

template <class Enum>
Enum enum_at(const std::vector<std::string>& names, const std::string& value, Enum fallback) {
  auto it = std::find(names.begin(), names.end(), value);
  return it == names.end() ? fallback : static_cast<Enum>(it - names.begin());
}

ExperimentVersion read_version(FieldReader& r) {
  ExperimentVersion v;
  v.name = r.string("name");
  if (v.name.empty()) r.error("name", "is required: a short version name such as v1");
  if (!r.object("targetRef", [&](FieldReader& t) { v.target_ref = read_object_reference(t); }))
    r.error("targetRef", "is required: the Deployment serving this version");
  return v;
}

ExperimentMetric read_metric(FieldReader& r) {
  ExperimentMetric m;
  m.name = r.string("name");
  if (m.name.empty()) r.error("name", "is required");
  m.interval = r.duration("interval", std::chrono::milliseconds(60'000));
  m.query = r.string("query");
  r.object("templateRef", [&](FieldReader& t) { m.template_ref = read_named_reference(t); });
  m.template_variables = r.string_map("templateVariables");
  bool builtin = m.name == "request-success-rate" || m.name == "request-duration";
  if (!m.query.empty() && m.template_ref)
    r.error("templateRef", "set either query or templateRef, not both");
  if (m.query.empty() && !m.template_ref && !builtin && !m.name.empty())
    r.error_here("metric \"" + m.name +
                 "\" is not a built-in (request-success-rate, request-duration): set templateRef "
                 "(or query)");
  return m;
}

ExperimentCriteria read_criteria(FieldReader& r) {
  ExperimentCriteria c;
  c.request_count = r.string("requestCount");
  c.min_request_count = r.integer("minRequestCount", 0);
  if (c.min_request_count < 0) r.error("minRequestCount", "must not be negative");
  r.each("objectives", [&](FieldReader& o, std::size_t) {
    Objective obj;
    obj.metric = o.string("metric");
    if (obj.metric.empty()) o.error("metric", "is required");
    obj.upper_limit = o.optional_number("upperLimit");
    obj.lower_limit = o.optional_number("lowerLimit");
    obj.margin = o.optional_number("margin");
    obj.relative_margin = o.optional_number("relativeMargin");
    if (!obj.upper_limit && !obj.lower_limit && !obj.margin && !obj.relative_margin)
      o.error_here("set upperLimit, lowerLimit, margin or relativeMargin");
    if (obj.upper_limit && obj.lower_limit && *obj.lower_limit > *obj.upper_limit)
      o.error("lowerLimit", "must not exceed upperLimit");
    if (obj.margin && obj.relative_margin)
      o.error("relativeMargin", "set either margin or relativeMargin, not both");
    for (auto [key, value] :
         {std::pair{"margin", obj.margin}, std::pair{"relativeMargin", obj.relative_margin}})
      if (value && *value < 0) o.error(key, "must not be negative");
    if (o.has("preferred"))
      obj.preferred = o.one_of("preferred", {"high", "low"}, "low") == "high"
                          ? Direction::HigherIsBetter
                          : Direction::LowerIsBetter;
    else if (obj.lower_limit && !obj.upper_limit)
      obj.preferred = Direction::HigherIsBetter;
    else if (obj.upper_limit && !obj.lower_limit)
      obj.preferred = Direction::LowerIsBetter;
    if ((obj.margin || obj.relative_margin) && !obj.preferred)
      o.error("preferred",
              "is required with a margin when the limits do not say which way is good: high or "
              "low");
    obj.rollback_on_failure = o.boolean("rollbackOnFailure");
    c.objectives.push_back(obj);
  });
  r.each("rewards", [&](FieldReader& w, std::size_t) {
    Reward reward;
    reward.metric = w.string("metric");
    if (reward.metric.empty()) w.error("metric", "is required");
    if (!w.has("preferred")) w.error("preferred", "is required: high or low");
    if (w.one_of("preferred", {"high", "low"}, "high") == "low")
      reward.preferred = Direction::LowerIsBetter;
    c.rewards.push_back(reward);
  });
  c.confidence = r.number("confidence", 0.99);
  if (!(c.confidence >= 0.5 && c.confidence < 1))
    r.error("confidence", "must be at least 0.5 and below 1, got " + std::to_string(c.confidence));
  return c;
}

ExperimentStrategy read_strategy(FieldReader& r) {
  ExperimentStrategy s;
  s.testing_pattern =
      enum_at(kPatterns, r.one_of("testingPattern", kPatterns, "abn"), TestingPattern::ABNTesting);
  s.traffic = enum_at(kTrafficStrategies, r.one_of("traffic", kTrafficStrategies, "progressive"),
                      TrafficStrategy::Progressive);
  auto split = r.raw_object("fixedSplit");
  if (split.is_object())
    for (const auto& [name, weight] : split.items()) {
      if (weight.is_number_integer() && weight.get<std::int64_t>() >= 0 &&
          weight.get<std::int64_t>() <= 100)
        s.fixed_split[name] = static_cast<std::int32_t>(weight.get<std::int64_t>());
      else
        r.errors().push_back(
            {child_path(r.path("fixedSplit"), name), "must be an integer 0..100", 0});
    }
  s.max_candidate_weight = static_cast<std::int32_t>(r.integer("maxCandidateWeight", 100));
  s.max_candidate_weight_increment =
      static_cast<std::int32_t>(r.integer("maxCandidateWeightIncrement", 10));
  s.cutoff_on_failure = r.boolean("cutoffOnFailure", true);
  s.traffic_percentage = static_cast<std::int32_t>(r.integer("trafficPercentage", 100));
  auto match = r.raw_array("match");
  if (match.is_array()) s.match = match;
  auto seed = r.integer("seed", 0);
  if (seed < 0) r.error("seed", "must not be negative");
  s.seed = static_cast<std::uint64_t>(std::max<std::int64_t>(seed, 0));
  s.burn_in_iterations = static_cast<std::int32_t>(r.integer("burnInIterations", 2));
  if (s.burn_in_iterations < 0) r.error("burnInIterations", "must not be negative");
  s.min_weight = static_cast<std::int32_t>(r.integer("minWeight", 10));
  if (s.min_weight < 0 || s.min_weight > 50)
    r.error("minWeight", "must be 0..50, got " + std::to_string(s.min_weight));
  for (auto [key, value] :
       {std::pair{"maxCandidateWeight", s.max_candidate_weight},
        std::pair{"maxCandidateWeightIncrement", s.max_candidate_weight_increment},
        std::pair{"trafficPercentage", s.traffic_percentage}})
    if (value < 1 || value > 100) r.error(key, "must be 1..100, got " + std::to_string(value));
  return s;
}

struct ExperimentRules {
  const ExperimentSpec& spec;
  std::vector<FieldError>& errors;

  void add(std::string path, std::string reason) {
    errors.push_back({std::move(path), std::move(reason), 0});
  }

  bool metric_exists(const std::string& name) const {
    return std::any_of(spec.metrics.begin(), spec.metrics.end(),
                       [&](const ExperimentMetric& m) { return m.name == name; });
  }

  // What an HTTPRoute match can say of an Istio match (the router refuses the rest too, with the
  // same words; string forms it cannot express are refused when it renders).
  void gateway_api_match_rules(const std::string& provider) {
    static const std::set<std::string> routable = {"uri", "method", "headers", "queryParams",
                                                   "name"};
    const auto& match = spec.strategy.match;
    for (std::size_t i = 0; i < match.size(); ++i) {
      if (!match[i].is_object()) continue;
      for (const auto& [key, value] : match[i].items())
        if (!routable.count(key))
          add(index_path("spec.strategy.match", i) + "." + key,
              "cannot be routed by provider " + provider +
                  " (an HTTPRoute matches uri, method, headers and queryParams only)");
    }
  }

  // Load only, no traffic shift: each version is judged on absolute limits alone, and there is
  // neither a split to set nor a winner to pick or promote.
  void performance_rules() {
    const std::string why = "testingPattern performance shifts no traffic";
    const auto& c = spec.criteria;
    if (c.objectives.empty())
      add("spec.criteria.objectives",
          "testingPattern performance needs at least one objective with upperLimit or lowerLimit");
    for (std::size_t i = 0; i < c.objectives.size(); ++i)
      if (c.objectives[i].margin || c.objectives[i].relative_margin)
        add(index_path("spec.criteria.objectives", i),
            "testingPattern performance judges absolute limits only: replace margin or "
            "relativeMargin by upperLimit or lowerLimit");
    if (!c.rewards.empty())
      add("spec.criteria.rewards",
          "testingPattern performance picks no winner: remove rewards (objectives judge each "
          "version)");
    if (spec.promote_winner)
      add("spec.promoteWinner", "testingPattern performance has no winner to promote");
    const auto& s = spec.strategy;
    if (s.match.is_array() && !s.match.empty()) add("spec.strategy.match", why + ": remove match");
    if (s.traffic != TrafficStrategy::Progressive)
      add("spec.strategy.traffic",
          why + ": remove traffic (" + std::string(to_string(s.traffic)) + " is not used)");
  }

  void run() {
    std::set<std::string> names{spec.baseline.name};
    for (std::size_t i = 0; i < spec.candidates.size(); ++i) {
      const auto& c = spec.candidates[i];
      if (!c.name.empty() && !names.insert(c.name).second)
        add(index_path("spec.candidates", i) + ".name",
            "duplicate version name \"" + c.name + "\"");
    }
    auto n = spec.candidates.size();
    const auto& s = spec.strategy;
    if ((s.testing_pattern == TestingPattern::Canary ||
         s.testing_pattern == TestingPattern::ABTesting) &&
        n != 1)
      add("spec.candidates", "testingPattern " + std::string(to_string(s.testing_pattern)) +
                                 " needs exactly one candidate, got " + std::to_string(n));
    if (s.testing_pattern == TestingPattern::ABNTesting && n < 1)
      add("spec.candidates", "testingPattern abn needs at least one candidate");
    if (s.testing_pattern == TestingPattern::Conformance && n != 0)
      add("spec.candidates",
          "testingPattern conformance tests the baseline alone: remove candidates");
    const bool performance = s.testing_pattern == TestingPattern::Performance;
    if (performance) performance_rules();
    if (s.testing_pattern != TestingPattern::Conformance && !performance &&
        spec.criteria.rewards.empty() && s.traffic == TrafficStrategy::Thompson)
      add("spec.criteria.rewards", "traffic strategy thompson needs a reward to sample on");
    if (s.traffic == TrafficStrategy::FixedSplit) {
      if (s.fixed_split.empty()) add("spec.strategy.fixedSplit", "is required for fixed-split");
      std::int64_t sum = 0;
      for (const auto& [name, weight] : s.fixed_split) {
        sum += weight;
        if (!names.count(name))
          add("spec.strategy.fixedSplit." + name, "names no version (baseline or candidate)");
      }
      if (!s.fixed_split.empty() && sum != 100)
        add("spec.strategy.fixedSplit", "weights must add up to 100, got " + std::to_string(sum));
    } else if (!s.fixed_split.empty()) {
      add("spec.strategy.fixedSplit", "is only used by traffic strategy fixed-split");
    }
    if (s.traffic == TrafficStrategy::Top2 && n < 2)
      add("spec.strategy.traffic", "top-2 needs at least two candidates");
    const auto& c = spec.criteria;
    if (c.min_request_count > 0 && c.request_count.empty())
      add("spec.criteria.requestCount",
          "is required with minRequestCount: the metric that "
          "counts requests per version");
    if (!c.request_count.empty() && !metric_exists(c.request_count))
      add("spec.criteria.requestCount",
          "names no metric in spec.metrics: \"" + c.request_count + "\"");
    for (std::size_t i = 0; i < c.objectives.size(); ++i)
      if (!c.objectives[i].metric.empty() && !metric_exists(c.objectives[i].metric))
        add(index_path("spec.criteria.objectives", i) + ".metric",
            "names no metric in spec.metrics: \"" + c.objectives[i].metric + "\"");
    for (std::size_t i = 0; i < c.rewards.size(); ++i)
      if (!c.rewards[i].metric.empty() && !metric_exists(c.rewards[i].metric))
        add(index_path("spec.criteria.rewards", i) + ".metric",
            "names no metric in spec.metrics: \"" + c.rewards[i].metric + "\"");
    if (c.objectives.empty() && c.rewards.empty())
      add("spec.criteria", "set at least one objective or reward: nothing would be judged");
    for (std::size_t i = 0; i < spec.webhooks.size(); ++i)
      if (spec.webhooks[i].type == WebhookType::ConfirmPromotion && !spec.promote_winner)
        add(index_path("spec.webhooks", i) + ".type",
            "confirm-promotion gates promoteWinner's promotion: set promoteWinner: true (without "
            "it nothing is promoted and the hook never runs)");
    if (spec.duration.iterations < 1) add("spec.duration.iterations", "must be at least 1");
    if (spec.duration.interval.count() <= 0) add("spec.duration.interval", "must be positive");
    // Performance routes nothing: any provider, and match was refused above.
    if (performance) return;
    bool has_match = s.match.is_array() && !s.match.empty();
    const auto& p = spec.provider;
    if (has_match && (is_smi_provider(p) || p == "kubernetes"))
      add("spec.strategy.match", "provider " + p + " cannot route by request headers or cookies");
    if (auto gap = experiment_provider_gap(p); !gap.empty()) add("spec.provider", gap);
    if (has_match && is_gateway_api_provider(p)) gateway_api_match_rules(p);
    if (experiment_splits_two_versions_only(p)) two_version_rules(n, has_match);
    if (spec.ingress_ref && p != "nginx" && !p.empty())
      add("spec.ingressRef", "is only used by provider nginx, not " + p);
  }

  // An SMI TrafficSplit or an NGINX canary Ingress routes a baseline and one candidate.
  void two_version_rules(std::size_t candidates, bool has_match) {
    const auto& p = spec.provider;
    if (candidates > 1)
      add("spec.candidates", "provider " + p +
                                 " routes two versions only (the baseline and one candidate), "
                                 "got " +
                                 std::to_string(candidates + 1) +
                                 " versions: use istio or gatewayapi for more");
    if (p != "nginx") return;
    if (!spec.ingress_ref || spec.ingress_ref->name.empty())
      add("spec.ingressRef",
          "is required for provider nginx: the user's Ingress that sends traffic to the apex "
          "Service");
    if (has_match) nginx_match_rules();
  }

  // NGINX sends every request a header or cookie matches to the candidate: it cannot split the
  // matching requests by percent, so the only splits it can hold are 0 and 100.
  void nginx_match_rules() {
    const auto& s = spec.strategy;
    bool all_or_nothing = s.traffic == TrafficStrategy::FixedSplit && !s.fixed_split.empty();
    for (const auto& [name, weight] : s.fixed_split) all_or_nothing &= weight == 0 || weight == 100;
    if (!all_or_nothing)
      add("spec.strategy.match",
          "provider nginx sends every matching request to the candidate and cannot split them by "
          "percent: set traffic fixed-split with weights 0 and 100, or remove match");
    const auto& match = s.match;
    for (std::size_t i = 0; i < match.size(); ++i) {
      if (!match[i].is_object()) continue;
      for (const auto& [key, value] : match[i].items())
        if (key != "headers" && key != "name")
          add(index_path("spec.strategy.match", i) + "." + key,
              "cannot be routed by provider nginx (headers and a cookie only)");
    }
  }
};

ExperimentSpec read_spec(FieldReader& r) {
  ExperimentSpec s;
  s.provider = r.string("provider");
  s.metrics_server = r.string("metricsServer");
  if (!r.object("service", [&](FieldReader& v) { s.service = read_service(v); }))
    r.error("service", "is required: at least service.port");
  r.object("ingressRef", [&](FieldReader& i) { s.ingress_ref = read_object_reference(i); });
  if (!r.object("baseline", [&](FieldReader& b) { s.baseline = read_version(b); }))
    r.error("baseline", "is required: the version serving today");
  r.each("candidates",
         [&](FieldReader& c, std::size_t) { s.candidates.push_back(read_version(c)); });
  r.each("metrics", [&](FieldReader& m, std::size_t) { s.metrics.push_back(read_metric(m)); });
  if (!r.object("criteria", [&](FieldReader& c) { s.criteria = read_criteria(c); }))
    r.error("criteria", "is required: objectives and/or rewards");
  r.object("strategy", [&](FieldReader& st) { s.strategy = read_strategy(st); });
  r.object("duration", [&](FieldReader& d) {
    s.duration.interval = d.duration("interval", std::chrono::milliseconds(60'000));
    s.duration.iterations = static_cast<std::int32_t>(d.integer("iterations", 10));
  });
  s.promote_winner = r.boolean("promoteWinner");
  r.each("alerts", [&](FieldReader& a, std::size_t) { s.alerts.push_back(read_alert(a)); });
  r.each("webhooks", [&](FieldReader& w, std::size_t) {
    s.webhooks.push_back(read_webhook(w));
    const auto type = s.webhooks.back().type;
    if (type != WebhookType::ConfirmRollout && type != WebhookType::ConfirmPromotion)
      w.error("type", "an Experiment runs confirm-rollout and confirm-promotion hooks only, got " +
                          std::string(to_string(type)));
  });
  return s;
}

}  // namespace

std::vector<const ExperimentVersion*> ExperimentSpec::versions() const {
  std::vector<const ExperimentVersion*> out{&baseline};
  for (const auto& c : candidates) out.push_back(&c);
  return out;
}

std::string_view to_string(ExperimentPhase phase) {
  return kPhases[static_cast<std::size_t>(phase)];
}
std::string_view to_string(TestingPattern pattern) {
  return kPatterns[static_cast<std::size_t>(pattern)];
}
std::string_view to_string(TrafficStrategy strategy) {
  return kTrafficStrategies[static_cast<std::size_t>(strategy)];
}

Parsed<Experiment> parse_experiment(const nlohmann::json& document) {
  Parsed<Experiment> out;
  FieldReader root(document, "", out.errors);
  read_kind_header(root, "Experiment");
  if (!root.object("metadata", [&](FieldReader& m) { out.value.metadata = read_object_meta(m); }))
    root.error("metadata", "is required (at least metadata.name)");
  bool has_spec = root.object("spec", [&](FieldReader& s) { out.value.spec = read_spec(s); });
  if (!has_spec) root.error("spec", "is required");
  if (root.has("status")) {
    auto status = parse_experiment_status(root.raw("status"));
    out.value.status = status.value;
    for (auto& e : status.errors) out.errors.push_back({child_path("status", e.path), e.reason, 0});
  }
  root.reject_unknown();
  if (has_spec) ExperimentRules{out.value.spec, out.errors}.run();
  return out;
}

nlohmann::json to_json(const ExperimentStatus& s) {
  nlohmann::json j = {{"phase", to_string(s.phase)},
                      {"completedIterations", s.completed_iterations},
                      {"versions", nlohmann::json::array()}};
  if (!s.start_time.empty()) j["startTime"] = s.start_time;
  if (!s.last_update_time.empty()) j["lastUpdateTime"] = s.last_update_time;
  for (const auto& v : s.versions) {
    nlohmann::json vj = {{"name", v.name},
                         {"weight", v.weight},
                         {"requestCount", v.request_count},
                         {"successes", v.successes},
                         {"failures", v.failures}};
    if (!v.metrics.empty()) vj["metrics"] = v.metrics;
    if (!v.failed_objectives.empty()) vj["failedObjectives"] = v.failed_objectives;
    if (v.cut_off) vj["cutOff"] = true;
    if (!v.objectives.empty()) vj["objectives"] = v.objectives;
    j["versions"].push_back(vj);
  }
  if (!s.winner.empty()) j["winner"] = s.winner;
  if (!s.message.empty()) j["message"] = s.message;
  if (!s.router.empty()) j["router"] = s.router;
  put_conditions(j, s.conditions);
  if (s.observed_generation) j["observedGeneration"] = s.observed_generation;
  if (s.evidence.is_object() && !s.evidence.empty()) j["evidence"] = s.evidence;
  return j;
}

Parsed<ExperimentStatus> parse_experiment_status(const nlohmann::json& status) {
  Parsed<ExperimentStatus> out;
  if (!status.is_object()) {
    out.errors.push_back({"", "must be an object, got " + describe_type(status), 0});
    return out;
  }
  auto& s = out.value;
  FieldReader r(status, "", out.errors);
  s.phase = enum_at(kPhases, r.one_of("phase", kPhases, "Pending"), ExperimentPhase::Pending);
  s.completed_iterations = static_cast<std::int32_t>(r.integer("completedIterations"));
  s.start_time = r.string("startTime");
  s.last_update_time = r.string("lastUpdateTime");
  r.each("versions", [&](FieldReader& v, std::size_t) {
    VersionStatus vs;
    vs.name = v.string("name");
    vs.weight = static_cast<std::int32_t>(v.integer("weight"));
    vs.request_count = v.integer("requestCount");
    auto metrics = v.raw_object("metrics");
    if (metrics.is_object())
      for (const auto& [k, value] : metrics.items())
        if (value.is_number()) vs.metrics[k] = value.get<double>();
    vs.failed_objectives = v.string_list("failedObjectives");
    vs.cut_off = v.boolean("cutOff");
    vs.successes = v.number("successes");
    vs.failures = v.number("failures");
    vs.objectives = v.string("objectives");
    s.versions.push_back(vs);
  });
  s.winner = r.string("winner");
  s.message = r.string("message");
  s.router = r.string("router");
  r.each("conditions",
         [&](FieldReader& c, std::size_t) { s.conditions.push_back(read_condition(c)); });
  s.observed_generation = r.integer("observedGeneration");
  auto evidence = r.raw_object("evidence");
  if (evidence.is_object()) s.evidence = evidence;
  r.reject_unknown();
  return out;
}

}  // namespace veer::model
