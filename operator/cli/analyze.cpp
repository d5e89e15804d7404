// `veer analyze -f canary.yaml --prometheus URL`: what veer's analysis would conclude right now for
// a Canary, without a cluster: each metric rendered for canary and primary, queried, checked.
// Exit 0 when every check passes, 1 when veer would roll back, 2 when it would hold.
#include <chrono>
#include <map>
#include <memory>
#include <ostream>

#include <nlohmann/json.hpp>

#include "analysis/metric_check.hpp"
#include "analysis/providers/factory.hpp"
#include "analysis/providers/prometheus.hpp"
#include "model/canary.hpp"
#include "model/document.hpp"
#include "model/input_files.hpp"
#include "model/metric_template.hpp"
#include "operator/cli/args.hpp"
#include "operator/cli/command.hpp"

namespace veer::cli {
namespace {

constexpr int kBadInputExitCode = 65;  // EX_DATAERR: unreadable or invalid documents

struct Inputs {
  std::vector<model::Canary> canaries;
  std::map<std::string, model::MetricTemplate> templates;  // "namespace/name" ("" namespace kept)
  std::vector<std::string> errors;
};

void read_into(Inputs& inputs, const std::vector<std::string>& paths, std::istream& in,
               bool canaries_wanted) {
  for (const auto& file : model::read_input_files(paths, in)) {
    if (!file.error.empty()) {
      inputs.errors.push_back(file.name + ": " + file.error);
      continue;
    }
    auto documents = model::read_documents(file.text, file.name);
    for (const auto& e : documents.errors) {
      inputs.errors.push_back(e.source + ":" + std::to_string(e.line) + ": " + e.message);
    }
    for (const auto& doc : documents.documents) {
      if (doc.kind == "Canary" && canaries_wanted) {
        auto parsed = model::parse_canary(doc.json, true);
        doc.locate(parsed.errors);
        for (const auto& e : parsed.errors) {
          inputs.errors.push_back(doc.source + ":" + std::to_string(e.line) + ": " +
                                  model::to_string(e));
        }
        if (parsed.ok()) inputs.canaries.push_back(parsed.value);
      } else if (doc.kind == "MetricTemplate") {
        auto parsed = model::parse_metric_template(doc.json, true);
        doc.locate(parsed.errors);
        for (const auto& e : parsed.errors) {
          inputs.errors.push_back(doc.source + ":" + std::to_string(e.line) + ": " +
                                  model::to_string(e));
        }
        if (parsed.ok()) {
          const auto& meta = parsed.value.metadata;
          inputs.templates[meta.namespace_ + "/" + meta.name] = parsed.value;
        }
      }
    }
  }
}

void print_text(const std::string& canary, const std::vector<analysis::CheckResult>& results,
                analysis::Verdict overall, std::ostream& out) {
  out << "Canary " << canary << ": " << analysis::to_string(overall) << "\n";
  for (const auto& r : results) {
    out << "  " << r.metric << " [" << r.evidence.test << "] " << analysis::to_string(r.verdict)
        << ": " << r.evidence.message << "\n";
    const auto json = analysis::to_json(r.evidence);
    std::string numbers;
    for (const char* key :
         {"value", "baseline_value", "n_candidate", "n_baseline", "estimate", "ci_low", "ci_high",
          "p_value", "e_value", "probability_worse", "margin"}) {
      if (json.contains(key)) {
        numbers += std::string(numbers.empty() ? "" : ", ") + key + "=" + json[key].dump();
      }
    }
    if (!numbers.empty()) out << "    " << numbers << "\n";
    for (const auto& q : r.evidence.queries) out << "    query: " << q << "\n";
  }
}

int run_analyze(Invocation& call) {
  std::string file, prometheus, output = "text", bearer_token, timeout = "5";
  std::vector<std::string> template_paths;
  ArgParser parser(
      "analyze", "-f CANARY --prometheus URL [--templates PATH]...",
      "Runs the analysis of a Canary's metrics now: renders each metric for the canary and the "
      "primary, queries Prometheus, and prints every check's verdict with its evidence. Exit "
      "code 0: all pass; 1: veer would roll back; 2: veer would hold (no data or not yet "
      "conclusive); 65: the files cannot be used.");
  parser.option("file", &file, "FILE", "the Canary (YAML or JSON; '-' for stdin)", 'f')
      .option("prometheus", &prometheus, "URL",
              "Prometheus address (default: the Canary's spec.metricsServer)")
      .repeated("templates", &template_paths, "PATH", "MetricTemplate files or directories")
      .option("bearer-token", &bearer_token, "TOKEN", "sent to Prometheus as a bearer token")
      .option("timeout", &timeout, "SECONDS", "per query (default 5)")
      .option("output", &output, "FORMAT", "text (default) or json", 'o')
      .choices("output", {"text", "json"});
  auto parsed = parser.parse(call.args, call.out);
  if (!parsed.ok) return usage_error(parser, parsed.error, call.err);
  if (parsed.help) return 0;
  if (!parsed.positionals.empty())
    return usage_error(parser, "takes no positional arguments", call.err);
  if (file.empty()) return usage_error(parser, "-f CANARY is required", call.err);
  double timeout_seconds = 0;
  try {
    timeout_seconds = std::stod(timeout);
  } catch (...) {
  }
  if (!(timeout_seconds > 0)) {
    return usage_error(parser, "--timeout: \"" + timeout + "\" is not a positive number", call.err);
  }

  Inputs inputs;
  read_into(inputs, {file}, call.in, true);
  if (!template_paths.empty()) read_into(inputs, template_paths, call.in, false);
  if (inputs.errors.empty() && inputs.canaries.empty()) {
    inputs.errors.push_back(file + ": no Canary document found");
  }
  if (!inputs.errors.empty()) {
    for (const auto& e : inputs.errors) call.err << "veer analyze: " << e << "\n";
    return kBadInputExitCode;
  }

  nlohmann::json report = nlohmann::json::array();
  analysis::Verdict overall_all = analysis::Verdict::Pass;
  std::vector<analysis::CheckResult> every;
  for (const auto& canary : inputs.canaries) {
    const std::string address = prometheus.empty() ? canary.spec.metrics_server : prometheus;
    if (address.empty()) {
      return usage_error(parser, "--prometheus URL is required (the Canary has no metricsServer)",
                         call.err);
    }
    auto make_source = [&](const std::string& url) {
      analysis::PrometheusConfig config;
      config.address = url;
      config.bearer_token = bearer_token;
      config.timeout = std::chrono::milliseconds(static_cast<long long>(timeout_seconds * 1000));
      return std::make_unique<analysis::PrometheusSource>(config);
    };
    auto source = make_source(address);
    std::vector<std::unique_ptr<analysis::MetricsSource>> template_sources;
    const std::string ns =
        canary.metadata.namespace_.empty() ? "default" : canary.metadata.namespace_;

    analysis::MetricCheckContext context;
    context.provider = canary.spec.provider;
    context.canary.name = canary.metadata.name;
    context.canary.namespace_ = ns;
    context.canary.target = canary.spec.target_ref.name;
    context.canary.service = canary.spec.service_name();
    if (canary.spec.ingress_ref) context.canary.ingress = canary.spec.ingress_ref->name;
    if (canary.spec.route_ref) context.canary.route = canary.spec.route_ref->name;
    context.now_unix_seconds =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    context.templates = [&](const model::NamedReference& ref) -> const model::MetricTemplate* {
      const std::string wanted = ref.namespace_.empty() ? ns : ref.namespace_;
      for (const auto& key : {wanted + "/" + ref.name, "/" + ref.name}) {
        if (auto found = inputs.templates.find(key); found != inputs.templates.end()) {
          return &found->second;
        }
      }
      return nullptr;
    };
    context.source_for =
        [&](const model::MetricProvider& provider) -> analysis::Outcome<analysis::MetricsSource*> {
      const bool is_prometheus = provider.type == "prometheus" || provider.type.empty();
      if (is_prometheus && (provider.address.empty() || provider.address == address)) {
        return source.get();
      }
      // Other addresses and providers; veer analyze reads no Secrets (no credentials).
      auto made = analysis::make_metrics_source(provider, {}, address);
      if (!made) return analysis::Error{made.error()};
      template_sources.push_back(std::move(made).value());
      return template_sources.back().get();
    };

    std::vector<analysis::CheckResult> results;
    if (canary.spec.analysis) {
      for (const auto& metric : canary.spec.analysis->metrics) {
        auto checks = analysis::check_metric(metric, context, *source, nullptr);
        results.insert(results.end(), checks.begin(), checks.end());
      }
    }
    const auto overall = analysis::worst(results);
    every.insert(every.end(), results.begin(), results.end());
    if (output == "json") {
      nlohmann::json checks = nlohmann::json::array();
      for (const auto& r : results) checks.push_back(analysis::to_json(r));
      report.push_back({{"canary", ns + "/" + canary.metadata.name},
                        {"verdict", analysis::to_string(overall)},
                        {"checks", checks}});
    } else {
      print_text(ns + "/" + canary.metadata.name, results, overall, call.out);
      if (results.empty()) call.out << "  (no metrics: nothing to analyse)\n";
    }
  }
  overall_all = analysis::worst(every);
  if (output == "json") call.out << (report.size() == 1 ? report[0] : report).dump(2) << "\n";
  switch (overall_all) {
    case analysis::Verdict::Pass:
      return 0;
    case analysis::Verdict::Fail:
      return 1;
    default:
      return 2;
  }
}

}  // namespace

VEER_COMMAND("analyze", "run a Canary's metric checks against Prometheus now", run_analyze);

}  // namespace veer::cli
