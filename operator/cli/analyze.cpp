// `veer analyze -f canary.yaml --prometheus URL`: what veer's analysis would conclude right now for
// a Canary, without a cluster: each metric rendered for canary and primary, queried, checked.
// Exit 0 when every check passes, 1 when veer would roll back, 2 when it would hold.
// MetricTemplates' secretRef Secrets come from --secret NAME=FILE or, given a kubeconfig, from
// the cluster, as the operator reads them. A Knative target's revisions ({{ revision }}) come
// from --revision / --primary-revision or from its Service (with status) among the files.
#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <ostream>
#include <set>
#include <variant>

#include <nlohmann/json.hpp>

#include "analysis/metric_check.hpp"
#include "analysis/providers/factory.hpp"
#include "analysis/providers/prometheus.hpp"
#include "base/clock.hpp"
#include "http/outbound_policy.hpp"
#include "http/printable.hpp"
#include "http/redact.hpp"
#include "model/canary.hpp"
#include "model/document.hpp"
#include "model/input_files.hpp"
#include "model/metric_template.hpp"
#include "operator/cli/args.hpp"
#include "operator/cli/command.hpp"
#include "operator/cli/outbound_flags.hpp"
#include "operator/controller/family_alpha.hpp"
#include "operator/controller/knative_target.hpp"
#include "operator/controller/verdict_rule.hpp"
#include "operator/kube/kubeconfig.hpp"
#include "operator/kube/rest_cluster.hpp"
#include "operator/kube/secret_data.hpp"
#include "operator/runtime/metric_context.hpp"

namespace veer::cli {
namespace {

constexpr int kBadInputExitCode = 65;  // EX_DATAERR: unreadable or invalid documents

struct Inputs {
  std::vector<model::Canary> canaries;
  std::map<std::string, model::MetricTemplate> templates;  // "namespace/name" ("" namespace kept)
  std::vector<nlohmann::json> knative_services;  // serving.knative.dev Services, for revisions
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
      } else if (doc.kind == "Service" && doc.api_version.rfind("serving.knative.dev/", 0) == 0) {
        inputs.knative_services.push_back(doc.json);
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

using kube::SecretData;

// A Secret object's keys; the first unreadable one fails, naming the Secret and the field.
base::Outcome<SecretData> secret_data(const nlohmann::json& secret, const std::string& where) {
  auto out = kube::secret_data(secret);
  if (!out) return base::fail(where + ": " + out.error().message);
  return out;
}

// The Secrets MetricTemplates refer to: --secret NAME=FILE first, then the cluster when a
// kubeconfig was named (--kubeconfig, --context or $KUBECONFIG). Each is read once.
class SecretResolver {
 public:
  SecretResolver(std::map<std::string, std::string> files, kube::KubeconfigOptions kubeconfig,
                 bool use_cluster, std::istream& in)
      : files_(std::move(files)),
        kubeconfig_(std::move(kubeconfig)),
        use_cluster_(use_cluster),
        in_(in) {}

  base::Outcome<SecretData> get(const std::string& ns, const std::string& name) {
    const std::string key = ns + "/" + name;
    if (auto cached = cache_.find(key); cached != cache_.end()) return cached->second;
    auto read = read_secret(ns, name);
    cache_.emplace(key, read);
    return read;
  }

 private:
  base::Outcome<SecretData> read_secret(const std::string& ns, const std::string& name) {
    if (auto file = files_.find(name); file != files_.end()) return from_file(name, file->second);
    if (!use_cluster_) {
      return base::fail("Secret " + ns + "/" + name + " not found: give --secret " + name +
                        "=FILE (a Secret manifest), or --kubeconfig/--context to read it "
                        "from the cluster");
    }
    if (!cluster_) {
      auto config = kube::load_client_config(kubeconfig_);
      if (!config) return base::fail(config.error().message);
      cluster_ = std::make_unique<kube::RestCluster>(*config, clock_);
    }
    auto secret = cluster_->get({{"", "v1", "secrets", "Secret"}, ns, name});
    if (!secret) return base::fail("Secret " + ns + "/" + name + ": " + secret.error().message);
    return secret_data(*secret, "Secret " + ns + "/" + name);
  }

  base::Outcome<SecretData> from_file(const std::string& name, const std::string& path) {
    for (const auto& file : model::read_input_files({path}, in_)) {
      if (!file.error.empty()) {
        return base::fail("--secret " + name + ": " + file.name + ": " + file.error);
      }
      auto documents = model::read_documents(file.text, file.name);
      if (!documents.errors.empty()) {
        const auto& e = documents.errors.front();
        return base::fail("--secret " + name + ": " + e.source + ":" + std::to_string(e.line) +
                          ": " + e.message);
      }
      const model::Document* found = nullptr;
      for (const auto& doc : documents.documents) {
        if (doc.kind != "Secret") continue;
        const auto metadata = doc.json.value("metadata", nlohmann::json::object());
        const std::string doc_name =
            metadata.is_object() ? metadata.value("name", std::string()) : std::string();
        if (!found || doc_name == name) found = &doc;
      }
      if (!found) return base::fail("--secret " + name + ": " + path + " holds no Secret");
      return secret_data(found->json, path + ":" + std::to_string(found->line) + ": Secret");
    }
    return base::fail("--secret " + name + ": " + path + " cannot be read");
  }

  std::map<std::string, std::string> files_;
  kube::KubeconfigOptions kubeconfig_;
  bool use_cluster_;
  std::istream& in_;
  base::RealClock clock_;
  std::unique_ptr<kube::RestCluster> cluster_;
  std::map<std::string, base::Outcome<SecretData>> cache_;
};

// What analyze prints comes from documents, servers and flags: every piece goes through here,
// so no secret it knows of is shown and no control character reaches the terminal.
class Shown {
 public:
  void add_secret(const std::string& value) { secrets_.push_back({value}); }
  void add_url(const std::string& url) {
    for (auto& s : http::secrets_in_url(url)) secrets_.push_back(std::move(s));
  }
  std::string operator()(const std::string& text) const {
    return http::printable(http::redact(text, secrets_));
  }
  // JSON keeps its own escaping; ensure_ascii also escapes C1 and bidi characters, and invalid
  // UTF-8 from a server is replaced rather than thrown on.
  std::string json(const nlohmann::json& value) const {
    return http::redact(value.dump(2, ' ', true, nlohmann::json::error_handler_t::replace),
                        secrets_);
  }

 private:
  std::vector<http::Secret> secrets_;
};

void print_text(const std::string& canary, const std::vector<analysis::CheckResult>& results,
                analysis::Verdict overall, const Shown& shown, std::ostream& out) {
  out << "Canary " << shown(canary) << ": " << analysis::to_string(overall) << "\n";
  for (const auto& r : results) {
    out << "  " << shown(r.metric) << " [" << r.evidence.test << "] "
        << analysis::to_string(r.verdict) << ": " << shown(r.evidence.message) << "\n";
    const auto json = analysis::to_json(r.evidence);
    std::string numbers;
    for (const char* key :
         {"value", "baseline_value", "n_candidate", "n_baseline", "estimate", "ci_low", "ci_high",
          "p_value", "e_value", "probability_worse", "margin"}) {
      if (json.contains(key)) {
        numbers += std::string(numbers.empty() ? "" : ", ") + key + "=" + json[key].dump();
      }
    }
    if (!numbers.empty()) out << "    " << shown(numbers) << "\n";
    for (const auto& q : r.evidence.queries) out << "    query: " << shown(q) << "\n";
  }
}

// A file's Canary without a namespace is read as in "default", as kubectl would apply it.
std::string namespace_of(const model::Canary& canary) {
  return canary.metadata.namespace_.empty() ? "default" : canary.metadata.namespace_;
}

// A template by reference: namespace "" means the Canary's; templates without a namespace match
// any.
const model::MetricTemplate* find_template(const Inputs& inputs, const model::NamedReference& ref,
                                           const std::string& canary_namespace) {
  const std::string wanted = ref.namespace_.empty() ? canary_namespace : ref.namespace_;
  for (const auto& key : {wanted + "/" + ref.name, "/" + ref.name}) {
    if (auto found = inputs.templates.find(key); found != inputs.templates.end()) {
      return &found->second;
    }
  }
  return nullptr;
}

// The flags of one `veer analyze` call, checked.
struct AnalyzeFlags {
  std::string file, prometheus, output = "text", bearer_token;
  std::string revision, primary_revision;  // a Knative target's, overriding its Service's
  std::chrono::milliseconds timeout{5000};
  std::vector<std::string> template_paths;
  std::map<std::string, std::string> secret_files;  // --secret NAME=FILE
  kube::KubeconfigOptions kubeconfig;
  bool use_cluster = false;  // --kubeconfig, --context or $KUBECONFIG named one
  http::OutboundPolicy policy;
};

ArgParser analyze_parser() {
  return ArgParser(
      "analyze", "-f CANARY [--prometheus URL] [--templates PATH]... [--secret NAME=FILE]...",
      "Runs the analysis of a Canary's metrics now: renders each metric for the canary and the "
      "primary, queries Prometheus (and the MetricTemplates' providers, with the credentials of "
      "their secretRef), and prints every check's verdict with its evidence. Exit code 0: all "
      "pass; 1: veer would roll back; 2: veer would hold (no data or not yet conclusive); 65: "
      "the files or a template's Secret cannot be used.");
}

// The flags, or the exit code to return now (help, or a usage error already printed).
std::variant<AnalyzeFlags, int> parse_flags(Invocation& call, ArgParser& parser, Shown& shown) {
  AnalyzeFlags flags;
  std::string timeout = "5";
  std::vector<std::string> secret_args;
  parser.option("file", &flags.file, "FILE", "the Canary (YAML or JSON; '-' for stdin)", 'f')
      .option("prometheus", &flags.prometheus, "URL",
              "Prometheus address (default: the Canary's spec.metricsServer)")
      .repeated("templates", &flags.template_paths, "PATH", "MetricTemplate files or directories")
      .option("bearer-token", &flags.bearer_token, "TOKEN", "sent to Prometheus as a bearer token")
      .option("timeout", &timeout, "SECONDS", "per query (default 5)")
      .repeated("secret", &secret_args, "NAME=FILE",
                "the Secret a MetricTemplate's secretRef names, from a manifest (data or "
                "stringData)")
      .option("kubeconfig", &flags.kubeconfig.path, "FILE",
              "read secretRef Secrets from this cluster (also with --context or $KUBECONFIG)")
      .option("context", &flags.kubeconfig.context, "NAME", "kubeconfig context")
      .option("revision", &flags.revision, "NAME",
              "a Knative target's canary revision, with --primary-revision (default: from its "
              "Service with status among the files, as the operator reads it)")
      .option("primary-revision", &flags.primary_revision, "NAME",
              "a Knative target's primary revision, with --revision")
      .option("output", &flags.output, "FORMAT", "text (default) or json", 'o')
      .choices("output", {"text", "json"});
  OutboundFlags outbound;
  outbound.add_to(parser, false);
  auto parsed = parser.parse(call.args, call.out);
  if (!parsed.ok) return usage_error(parser, parsed.error, call.err);
  if (parsed.help) return 0;
  std::string policy_error;
  const auto policy = outbound.policy(policy_error);
  if (!policy) return usage_error(parser, policy_error, call.err);
  flags.policy = *policy;
  http::set_outbound_policy(flags.policy);
  shown.add_url(flags.prometheus);
  shown.add_secret(flags.bearer_token);
  if (!flags.prometheus.empty()) {
    if (auto refused = http::refuse_url(flags.policy, flags.prometheus)) {
      return usage_error(parser, "--prometheus " + shown(flags.prometheus) + ": " + *refused,
                         call.err);
    }
  }
  if (!parsed.positionals.empty())
    return usage_error(parser, "takes no positional arguments", call.err);
  if (flags.file.empty()) return usage_error(parser, "-f CANARY is required", call.err);
  if (flags.revision.empty() != flags.primary_revision.empty())
    return usage_error(parser, "--revision and --primary-revision go together", call.err);
  double timeout_seconds = 0;
  try {
    timeout_seconds = std::stod(timeout);
  } catch (...) {
  }
  if (!(timeout_seconds > 0)) {
    return usage_error(parser, "--timeout: \"" + timeout + "\" is not a positive number", call.err);
  }
  flags.timeout = std::chrono::milliseconds(static_cast<long long>(timeout_seconds * 1000));
  for (const auto& arg : secret_args) {
    const auto eq = arg.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == arg.size()) {
      return usage_error(parser, "--secret: \"" + arg + "\" is not NAME=FILE", call.err);
    }
    flags.secret_files[arg.substr(0, eq)] = arg.substr(eq + 1);
  }
  const char* kubeconfig_env = std::getenv("KUBECONFIG");
  flags.use_cluster = !flags.kubeconfig.path.empty() || !flags.kubeconfig.context.empty() ||
                      (kubeconfig_env != nullptr && *kubeconfig_env != '\0');
  return flags;
}

using ProviderSecrets = std::map<const model::MetricProvider*, SecretData>;

// Every secretRef the Canaries' templates use, resolved and checked before any query: a missing
// Secret or key is bad input (exit 65), like an unreadable file; problems go to inputs.errors.
ProviderSecrets resolve_secrets(Inputs& inputs, SecretResolver& secrets, Shown& shown) {
  ProviderSecrets out;
  for (const auto& canary : inputs.canaries) {
    if (!inputs.errors.empty() || !canary.spec.analysis) break;
    const std::string ns = namespace_of(canary);
    // The templates a metric queries: its own, and its comparison's errors/total counts.
    std::vector<model::NamedReference> refs;
    for (const auto& metric : canary.spec.analysis->metrics) {
      if (metric.template_ref) refs.push_back(*metric.template_ref);
      if (!metric.comparison) continue;
      for (const auto& count : {metric.comparison->errors, metric.comparison->total}) {
        if (count && count->template_ref) refs.push_back(*count->template_ref);
      }
    }
    for (const auto& ref : refs) {
      const model::MetricTemplate* t = find_template(inputs, ref, ns);
      if (!t || t->spec.provider.secret_ref.empty()) continue;
      const std::string template_ns = t->metadata.namespace_.empty() ? ns : t->metadata.namespace_;
      const std::string who =
          "MetricTemplate " + template_ns + "/" + t->metadata.name + ": spec.provider.secretRef: ";
      auto data = secrets.get(template_ns, t->spec.provider.secret_ref);
      if (!data) {
        inputs.errors.push_back(who + data.error().message);
        continue;
      }
      if (auto missing = analysis::missing_secret_keys(t->spec.provider.type, *data)) {
        inputs.errors.push_back(who + "Secret " + template_ns + "/" + t->spec.provider.secret_ref +
                                " has no " + *missing + " (provider " + t->spec.provider.type +
                                ")");
        continue;
      }
      for (const auto& [key, value] : *data) shown.add_secret(value);
      out[&t->spec.provider] = *data;
    }
  }
  return out;
}

// The Canary's template context; for a Knative target, with the revisions of its Service found
// among the files, then the flags' (which win).
analysis::TemplateContext knative_context(const model::Canary& canary, const AnalyzeFlags& flags,
                                          const Inputs& inputs) {
  auto context = runtime::template_context(canary);
  if (!controller::is_knative_target(canary.spec)) return context;
  const std::string ns = namespace_of(canary);
  context.revision_problem = "the Knative Service " + ns + "/" + canary.spec.target_ref.name +
                             " is not among the files: give --revision and --primary-revision, "
                             "or the Service with its status (kubectl get -o yaml)";
  for (const auto& service : inputs.knative_services) {
    const auto metadata = service.value("metadata", nlohmann::json::object());
    // Compared as JSON: a name that is not a string matches nothing, and throws nothing.
    if (!metadata.is_object() ||
        metadata.value("name", nlohmann::json()) != canary.spec.target_ref.name ||
        metadata.value("namespace", nlohmann::json(ns)) != ns)
      continue;
    runtime::set_knative_revisions(context, canary, service);
    break;
  }
  if (!flags.revision.empty()) {  // parse_flags: given with --primary-revision
    context.revision = flags.revision;
    context.primary_revision = flags.primary_revision;
    context.revision_problem.clear();
  }
  return context;
}

// One Canary's checks, run now against `address` (and its templates' own providers).
std::vector<analysis::CheckResult> analyze_canary(const model::Canary& canary,
                                                  const std::string& address,
                                                  const AnalyzeFlags& flags, const Inputs& inputs,
                                                  const ProviderSecrets& provider_secrets) {
  analysis::PrometheusConfig config;
  config.address = address;
  config.bearer_token = flags.bearer_token;
  config.timeout = flags.timeout;
  analysis::PrometheusSource source(config);
  std::vector<std::unique_ptr<analysis::MetricsSource>> template_sources;
  const std::string ns = namespace_of(canary);

  analysis::MetricCheckContext context;
  context.provider = canary.spec.provider;
  context.canary = knative_context(canary, flags, inputs);
  context.now_unix_seconds =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  context.templates = [&](const model::NamedReference& ref) {
    return find_template(inputs, ref, ns);
  };
  context.source_for =
      [&](const model::MetricProvider& provider) -> base::Outcome<analysis::MetricsSource*> {
    if (analysis::uses_default_source(provider, address)) return &source;
    const auto secret = provider_secrets.find(&provider);
    auto made = analysis::make_metrics_source(
        provider, secret == provider_secrets.end() ? SecretData{} : secret->second, address,
        flags.timeout);
    if (!made) return base::Error{made.error()};
    template_sources.push_back(std::move(made).value());
    return template_sources.back().get();
  };

  std::vector<analysis::CheckResult> results;
  if (!canary.spec.analysis) return results;
  const int family = controller::comparison_family(*canary.spec.analysis);
  for (const auto& metric : canary.spec.analysis->metrics) {
    auto checks = analysis::check_metric(controller::at_family_alpha(metric, family), context,
                                         source, nullptr);
    results.insert(results.end(), checks.begin(), checks.end());
  }
  return results;
}

int run_analyze(Invocation& call) {
  ArgParser parser = analyze_parser();
  Shown shown;
  auto parsed = parse_flags(call, parser, shown);
  if (const int* exit_code = std::get_if<int>(&parsed)) return *exit_code;
  const auto& flags = std::get<AnalyzeFlags>(parsed);

  SecretResolver secrets(flags.secret_files, flags.kubeconfig, flags.use_cluster, call.in);
  Inputs inputs;
  read_into(inputs, {flags.file}, call.in, true);
  if (!flags.template_paths.empty()) read_into(inputs, flags.template_paths, call.in, false);
  if (inputs.errors.empty() && inputs.canaries.empty()) {
    inputs.errors.push_back(flags.file + ": no Canary document found");
  }
  const auto provider_secrets = resolve_secrets(inputs, secrets, shown);
  if (!inputs.errors.empty()) {
    std::set<std::string> said;  // a template used by several metrics is reported once
    for (const auto& e : inputs.errors) {
      if (said.insert(e).second) call.err << "veer analyze: " << shown(e) << "\n";
    }
    return kBadInputExitCode;
  }

  nlohmann::json report = nlohmann::json::array();
  std::vector<analysis::CheckResult> every;
  for (const auto& canary : inputs.canaries) {
    const std::string address =
        flags.prometheus.empty() ? canary.spec.metrics_server : flags.prometheus;
    if (address.empty()) {
      return usage_error(parser, "--prometheus URL is required (the Canary has no metricsServer)",
                         call.err);
    }
    shown.add_url(address);
    if (auto refused = http::refuse_url(flags.policy, address)) {
      call.err << "veer analyze: Canary " << shown(canary.metadata.name) << ": spec.metricsServer "
               << shown(address) << ": " << *refused << "\n";
      return kBadInputExitCode;
    }
    const auto results = analyze_canary(canary, address, flags, inputs, provider_secrets);
    const auto overall = analysis::worst(results);
    every.insert(every.end(), results.begin(), results.end());
    const std::string name = namespace_of(canary) + "/" + canary.metadata.name;
    if (flags.output == "json") {
      nlohmann::json checks = nlohmann::json::array();
      for (const auto& r : results) checks.push_back(analysis::to_json(r));
      report.push_back(
          {{"canary", name}, {"verdict", analysis::to_string(overall)}, {"checks", checks}});
    } else {
      print_text(name, results, overall, shown, call.out);
      if (results.empty()) call.out << "  (no metrics: nothing to analyse)\n";
    }
  }
  if (flags.output == "json")
    call.out << shown.json(report.size() == 1 ? report[0] : report) << "\n";
  // The controller's rule (verdict_rule.hpp): 0 advance, 1 roll back, 2 hold.
  return controller::rule_for(controller::outcome_of(analysis::worst(every))).analyze_exit_code;
}

}  // namespace

VEER_COMMAND("analyze", "run a Canary's metric checks against Prometheus now", run_analyze);

}  // namespace veer::cli
