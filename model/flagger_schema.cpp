#include "model/flagger_schema.hpp"

#include <algorithm>
#include <string>

#include "model/document.hpp"
#include "model/json_lookup.hpp"

namespace veer::model {

namespace {

using nlohmann::json;

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

struct SchemaCheck {
  std::vector<FieldError> errors;

  void add(std::string path, std::string reason) {
    errors.push_back({std::move(path), std::move(reason), 0});
  }

  // Flagger's pattern for every duration of the analysis: digits, then m or s. "1m30s" and
  // "500ms" pass it; "1h" and "1.5m" do not.
  void duration(const json& object, const char* key, const std::string& path) {
    const auto* v = json_at(object, {key});
    if (!v || !v->is_string()) return;  // absent, or a type error the typed read reports
    const auto& text = v->get_ref<const std::string&>();
    auto digits = static_cast<std::size_t>(
        std::find_if(text.begin(), text.end(), [](char c) { return c < '0' || c > '9'; }) -
        text.begin());
    if (digits > 0 && digits < text.size() && (text[digits] == 'm' || text[digits] == 's')) return;
    add(child_path(path, key), "\"" + text +
                                   "\" is outside Flagger's duration pattern ^[0-9]+(m|s): write "
                                   "minutes or seconds, e.g. 60m instead of 1h");
  }

  // A reference Flagger's CRD requires in full (targetRef, ingressRef, ...).
  void reference(const json& spec, const char* key, const std::vector<std::string>& kinds) {
    const auto* ref = json_at(spec, {key});
    if (!ref || !ref->is_object()) return;
    std::string path = child_path("spec", key);
    for (const char* field : {"apiVersion", "kind", "name"})
      if (!json_at(*ref, {field}))
        add(child_path(path, field),
            std::string("is required by Flagger's CRD") +
                (std::string(field) == "apiVersion" ? " (e.g. apps/v1 for a Deployment)" : ""));
    const auto* kind = json_at(*ref, {"kind"});
    if (!kinds.empty() && kind && kind->is_string() &&
        std::find(kinds.begin(), kinds.end(), kind->get<std::string>()) == kinds.end())
      add(path + ".kind",
          "unsupported value \"" + kind->get<std::string>() + "\": must be " + join(kinds));
  }

  // An Istio/Flagger string match: `at_most_one` of `keys`, or exactly one when `required`.
  void string_match(const json& match, const std::string& path,
                    const std::vector<std::string>& keys, bool required) {
    if (!match.is_object()) {
      add(path, "must be an object with one of " + join(keys));
      return;
    }
    std::vector<std::string> set;
    for (const auto& k : keys)
      if (const auto* v = json_at(match, {k.c_str()})) {
        set.push_back(k);
        if (!v->is_string()) add(child_path(path, k), "must be a string");
      }
    if (set.size() > 1)
      add(path, "set only one of " + join(keys) + ", got " + join(set));
    else if (set.empty() && required)
      add(path, "set one of " + join(keys));
  }

  void string_match_map(const json& object, const char* key, const std::string& path,
                        const std::vector<std::string>& keys, bool required) {
    const auto* map = json_at(object, {key});
    if (!map || !map->is_object()) return;
    for (const auto& [name, match] : map->items())
      string_match(match, child_path(child_path(path, key), name), keys, required);
  }

  void one_of_values(const json& object, const char* key, const std::string& path,
                     const std::vector<std::string>& allowed) {
    const auto* v = json_at(object, {key});
    if (!v) return;
    if (!v->is_string() ||
        std::find(allowed.begin(), allowed.end(), v->get<std::string>()) == allowed.end())
      add(child_path(path, key),
          "unsupported value " + v->dump() + ": must be one of " + join(allowed));
  }

  void analysis(const json& spec, const char* key) {
    const auto* a = json_at(spec, {key});
    if (!a || !a->is_object()) return;
    std::string path = child_path("spec", key);
    for (const char* required : {"interval", "threshold"})
      if (!json_at(*a, {required}))
        add(child_path(path, required),
            std::string("is required by Flagger's CRD") +
                (std::string(required) == "interval" ? " (e.g. 1m)" : " (e.g. 5 failed checks)"));
    std::vector<std::string> steps;
    for (const char* k : {"stepWeight", "stepWeights", "iterations"})
      if (json_at(*a, {k})) steps.push_back(k);
    if (steps.size() != 1)
      add(path, steps.empty() ? "set one of stepWeight, stepWeights (canary) or iterations "
                                "(blue/green, A/B)"
                              : "set only one of " + join(steps) +
                                    " (Flagger's CRD accepts exactly one of stepWeight, "
                                    "stepWeights, iterations)");
    duration(*a, "interval", path);
    for (const char* list : {"metrics", "webhooks"}) {
      const auto* items = json_at(*a, {list});
      if (!items || !items->is_array()) continue;
      for (std::size_t i = 0; i < items->size(); ++i)
        duration((*items)[i], std::string(list) == "metrics" ? "interval" : "timeout",
                 index_path(child_path(path, list), i));
    }
    if (const auto* match = json_at(*a, {"match"}); match && match->is_array())
      for (std::size_t i = 0; i < match->size(); ++i) {
        std::string at = index_path(path + ".match", i);
        string_match_map((*match)[i], "headers", at, {"exact", "prefix", "suffix", "regex"}, true);
        string_match_map((*match)[i], "queryParams", at, {"exact", "prefix", "regex"}, false);
      }
  }

  void istio(const json& service) {
    const std::string path = "spec.service";
    if (const auto* match = json_at(service, {"match"}); match && match->is_array())
      for (std::size_t i = 0; i < match->size(); ++i) {
        std::string at = index_path(path + ".match", i);
        const auto& m = (*match)[i];
        for (const char* k : {"uri", "scheme", "method", "authority"})
          if (const auto* s = json_at(m, {k}))
            string_match(*s, child_path(at, k), {"exact", "prefix", "regex"}, false);
        for (const char* k : {"headers", "queryParams", "withoutHeaders"})
          string_match_map(m, k, at, {"exact", "prefix", "regex"}, false);
      }
    if (const auto* retries = json_at(service, {"retries"}); retries && retries->is_object()) {
      if (const auto* attempts = json_at(*retries, {"attempts"});
          attempts && !attempts->is_number_integer())
        add(path + ".retries.attempts", "must be an integer, got " + attempts->dump());
      for (const char* k : {"perTryTimeout", "retryOn"})
        if (const auto* v = json_at(*retries, {k}); v && !v->is_string())
          add(path + ".retries." + k, "must be a string, got " + v->dump());
    }
    if (const auto* cors = json_at(service, {"corsPolicy"}))
      if (const auto* origins = json_at(*cors, {"allowOrigins"}); origins && origins->is_array())
        for (std::size_t i = 0; i < origins->size(); ++i)
          string_match((*origins)[i], index_path(path + ".corsPolicy.allowOrigins", i),
                       {"exact", "prefix", "regex"}, true);
    const auto* policy = json_at(service, {"trafficPolicy"});
    if (!policy) return;
    const std::string tp = path + ".trafficPolicy";
    if (const auto* tls = json_at(*policy, {"tls"}))
      one_of_values(*tls, "mode", tp + ".tls", {"DISABLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL"});
    if (const auto* lb = json_at(*policy, {"loadBalancer"})) {
      one_of_values(*lb, "simple", tp + ".loadBalancer",
                    {"ROUND_ROBIN", "LEAST_CONN", "RANDOM", "PASSTHROUGH", "LEAST_REQUEST"});
      if (json_at(*lb, {"simple"}) && json_at(*lb, {"consistentHash"}))
        add(tp + ".loadBalancer", "set simple or consistentHash, not both");
    }
  }

  void run(const json& canary) {
    const auto* spec = json_at(canary, {"spec"});
    if (!spec || !spec->is_object()) return;
    reference(*spec, "targetRef", {});  // the kind enum is checked while parsing
    reference(*spec, "autoscalerRef", {});
    reference(*spec, "ingressRef", {"Ingress"});
    reference(*spec, "routeRef", {"ApisixRoute"});
    reference(*spec, "upstreamRef", {"Upstream"});
    if (const auto* scaler = json_at(*spec, {"autoscalerRef"}))
      if (const auto* replicas = json_at(*scaler, {"primaryScalerReplicas"}))
        for (const char* k : {"minReplicas", "maxReplicas"})
          if (const auto* v = json_at(*replicas, {k}); v && v->is_number() && v->get<double>() < 1)
            add(std::string("spec.autoscalerRef.primaryScalerReplicas.") + k,
                "must be at least 1, got " + v->dump());
    if (!json_at(*spec, {"analysis"}) && !json_at(*spec, {"canaryAnalysis"}))
      add("spec.analysis",
          "is required by Flagger's CRD: interval, threshold and one of stepWeight, stepWeights "
          "or iterations (with skipAnalysis: true to promote without checks)");
    analysis(*spec, json_at(*spec, {"analysis"}) ? "analysis" : "canaryAnalysis");
    if (const auto* service = json_at(*spec, {"service"})) istio(*service);
  }
};

}  // namespace

std::vector<FieldError> flagger_schema_errors(const nlohmann::json& canary) {
  SchemaCheck check;
  check.run(canary);
  return check.errors;
}

}  // namespace veer::model
