// `veer status [NAME] [-n NS | -A] [-w]`: a table of Canaries from their status (then one of
// Experiments, when there are any), or with -w a live line per Canary (weight bar, phase, last
// verdict) whenever one changes.
#include <ostream>

#include "http/printable.hpp"
#include "operator/cli/args.hpp"
#include "operator/cli/command.hpp"
#include "operator/controller/canary_reconciler.hpp"
#include "operator/controller/experiment/experiment_reconciler.hpp"
#include "operator/controller/experiment/experiment_table.hpp"
#include "operator/controller/status_table.hpp"
#include "operator/kube/connect.hpp"

namespace veer::cli {
namespace {

// A row's text comes from the cluster (names, messages, verdicts): escaped before it is printed.
controller::CanaryRow printable_row(controller::CanaryRow row) {
  for (auto* field :
       {&row.ns, &row.name, &row.phase, &row.verdict, &row.note, &row.last_transition}) {
    *field = http::printable(*field);
  }
  return row;
}

// The Experiments' table, or "" when there are none (or the Experiment CRD is not installed).
std::string experiments_table(kube::Cluster& cluster, const std::string& ns,
                              const kube::ListOptions& options) {
  auto list = cluster.list(controller::experiment::experiment_type(), ns, options);
  if (!list || list->items.empty()) return "";
  std::vector<controller::experiment::ExperimentRow> rows;
  for (const auto& item : list->items) {
    auto row = controller::experiment::experiment_row(item);
    for (auto* field :
         {&row.ns, &row.name, &row.phase, &row.weights, &row.p_best, &row.winner, &row.message})
      *field = http::printable(*field);
    rows.push_back(std::move(row));
  }
  return controller::experiment::render_experiment_table(rows);
}

int run_status(Invocation& call) {
  std::string ns, kubeconfig, context;
  bool all = false, watch = false;
  ArgParser parser("status", "[NAME]",
                   "Shows Canaries: phase, weight, failed checks, last verdict; then Experiments.");
  parser.option("namespace", &ns, "NS", "namespace (default: the context's)", 'n')
      .flag("all-namespaces", &all, "every namespace", 'A')
      .flag("watch", &watch, "print a line per Canary whenever it changes", 'w')
      .option("kubeconfig", &kubeconfig, "FILE", "kubeconfig file")
      .option("context", &context, "NAME", "kubeconfig context");
  auto parsed = parser.parse(call.args, call.out);
  if (!parsed.ok) return usage_error(parser, parsed.error, call.err);
  if (parsed.help) return 0;
  if (parsed.positionals.size() > 1) return usage_error(parser, "wants at most one NAME", call.err);
  auto connection = kube::connect(kubeconfig, context);
  if (!connection) {
    call.err << "veer status: " << http::printable(connection.error().message) << "\n";
    return 1;
  }
  if (ns.empty() && !all) ns = connection->config.ns;
  const std::string only = parsed.positionals.empty() ? "" : parsed.positionals[0];
  auto& cluster = *connection->cluster;
  kube::ListOptions options;
  if (!only.empty()) options.field_selector = "metadata.name=" + only;
  auto list = cluster.list(controller::canary_type(), all ? "" : ns, options);
  if (!list) {
    call.err << "veer status: " << http::printable(list.error().message) << "\n";
    return 1;
  }
  if (!watch) {
    const auto experiments = experiments_table(cluster, all ? "" : ns, options);
    if (list->items.empty() && !experiments.empty()) {
      call.out << experiments;
      return 0;
    }
    if (list->items.empty()) {
      call.err << "veer status: no Canary " << (only.empty() ? "" : only + " ") << "in "
               << (all ? "any namespace" : "namespace " + ns) << "\n";
      return only.empty() ? 0 : 1;
    }
    std::vector<controller::CanaryRow> rows;
    for (const auto& item : list->items) rows.push_back(printable_row(controller::row_of(item)));
    call.out << controller::render_table(rows);
    if (!experiments.empty()) call.out << "\n" << experiments;
    return 0;
  }
  for (const auto& item : list->items)
    call.out << controller::render_line(printable_row(controller::row_of(item))) << "\n";
  kube::WatchOptions watch_options;
  watch_options.resource_version = list->resource_version;
  watch_options.field_selector = options.field_selector;
  auto stream = cluster.watch(controller::canary_type(), all ? "" : ns, watch_options);
  if (!stream) {
    call.err << "veer status: " << http::printable(stream.error().message) << "\n";
    return 1;
  }
  std::map<std::string, std::string> last;
  while (auto event = (*stream)->next()) {
    if (event->type != kube::WatchEvent::Type::Added &&
        event->type != kube::WatchEvent::Type::Modified)
      continue;
    auto line = controller::render_line(printable_row(controller::row_of(event->object)));
    auto& previous = last[kube::key_of(event->object)];
    if (line == previous) continue;
    previous = line;
    call.out << line << "\n";
    call.out.flush();
  }
  return 0;
}

}  // namespace

VEER_COMMAND("status",
             "show Canaries (phase, weight, verdicts) and Experiments; -w follows Canaries",
             run_status);

}  // namespace veer::cli
