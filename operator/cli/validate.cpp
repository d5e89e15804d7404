// `veer validate PATH...`: checks every veer document in files, directories or stdin against the
// model's rules; what a GitOps repository runs in its CI. Documents it does not check (Flagger's,
// unknown versions) are counted and fail the run unless --allow-foreign, so a CI job cannot pass
// while checking nothing.
#include <algorithm>
#include <optional>
#include <ostream>

#include <nlohmann/json.hpp>

#include "http/printable.hpp"
#include "model/document.hpp"
#include "model/input_files.hpp"
#include "model/kind_header.hpp"
#include "model/mesh_providers.hpp"
#include "model/validate_document.hpp"
#include "operator/cli/args.hpp"
#include "operator/cli/command.hpp"

namespace veer::cli {
namespace {

// One line of the report: a problem, a note or a skipped document.
struct Finding {
  std::string file;
  int line = 0;
  std::string kind;
  std::string name;
  std::string path;  // field path; the apiVersion for a skipped document
  std::string reason;
};

struct Report {
  std::vector<Finding> problems;
  std::vector<Finding> notes;
  std::vector<Finding> skipped;
  int documents = 0;  // checked
  int files = 0;
};

// Why a document is not checked, "" when it is checked, nullopt when it is not veer's concern
// (a Deployment, a Service, ...).
std::optional<std::string> skip_reason(const model::Document& doc, bool flagger) {
  if (model::is_veer_document(doc)) return "";
  if (!model::is_flagger_document(doc)) return std::nullopt;
  if (doc.api_version != model::kFlaggerApiVersion)
    return doc.api_version +
           " is an API version neither Flagger today nor veer reads: move it to "
           "flagger.app/v1beta1";
  if (flagger) return "";
  return "a Flagger document: 'veer convert' rewrites it, 'veer validate --flagger' checks it as "
         "Flagger runs it";
}

// File names, paths and reasons can carry document or file-system text: escaped, so a value cannot
// move the cursor or forge a "file:line:" line of its own.
using http::printable;

void print_line(const Finding& f, const char* label, std::ostream& out) {
  out << printable(f.file);
  if (f.line > 0) out << ":" << f.line;
  out << ": " << label;
  if (!f.path.empty()) out << printable(f.path) << ": ";
  out << printable(f.reason) << "\n";
}

std::string plural(std::size_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

nlohmann::json to_json(const std::vector<Finding>& findings, const char* path_key,
                       const char* reason_key) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& f : findings)
    out.push_back({{"file", f.file},
                   {"line", f.line},
                   {"kind", f.kind},
                   {"name", f.name},
                   {path_key, f.path},
                   {reason_key, f.reason}});
  return out;
}

void print_json(const Report& r, bool passed, std::ostream& out) {
  nlohmann::json report = {{"valid", passed},
                           {"files", r.files},
                           {"documents", r.documents},
                           {"errors", to_json(r.problems, "path", "reason")},
                           {"skipped", to_json(r.skipped, "apiVersion", "reason")},
                           {"notes", to_json(r.notes, "path", "message")}};
  // ASCII only, invalid UTF-8 replaced: a hostile file name can neither throw nor reach a terminal.
  out << report.dump(2, ' ', true, nlohmann::json::error_handler_t::replace) << "\n";
}

void print_text(const Report& r, bool passed, bool quiet, bool foreign_fails, std::ostream& out,
                std::ostream& err) {
  for (const auto& p : r.problems) print_line(p, "", out);
  // Notes and skipped documents are printed even with --quiet: neither is ever silent.
  for (const auto& n : r.notes) print_line(n, "note: ", err);
  for (const auto& s : r.skipped) {
    err << printable(s.file);
    if (s.line > 0) err << ":" << s.line;
    err << ": skipped " << printable(s.kind) << (s.name.empty() ? "" : " " + printable(s.name))
        << " (" << printable(s.path) << "): " << printable(s.reason) << "\n";
  }
  if (!quiet || !passed)
    err << "veer validate: " << plural(static_cast<std::size_t>(r.documents), "veer document")
        << " in " << plural(static_cast<std::size_t>(r.files), "file") << ", "
        << plural(r.problems.size(), "problem") << ", " << r.skipped.size() << " skipped\n";
  if (foreign_fails)
    err << "veer validate: failing because "
        << (r.skipped.empty() ? "no document was checked"
                              : plural(r.skipped.size(), "document") + " went unchecked")
        << "; pass --allow-foreign if that is expected\n";
}

int run_validate(Invocation& call) {
  std::string output = "text";
  bool quiet = false;
  bool allow_foreign = false;
  model::ValidationOptions options;
  options.infer_provider = true;
  ArgParser parser(
      "validate", "PATH...",
      "Validates every veer document (Canary, MetricTemplate, AlertProvider, Experiment) in the "
      "given files, directories (recursively: *.yaml, *.yml, *.json) or '-' for standard input. "
      "Other kinds are ignored. Prints file:line: field.path: reason for each problem. Flagger "
      "documents (unless --flagger) and unknown API versions are skipped and listed. Exits 1 on "
      "any problem, and when a document was skipped or none was checked unless --allow-foreign.");
  parser.option("output", &output, "FORMAT", "text (default) or json", 'o')
      .choices("output", {"text", "json"})
      .flag("quiet", &quiet, "print nothing when everything is valid", 'q')
      .option("mesh-provider", &options.mesh_provider, "P",
              "the operator's --mesh-provider, for Canaries without spec.provider (default: "
              "inferred from each Canary, with a note)")
      .flag("flagger", &options.flagger,
            "also check flagger.app/v1beta1 documents, as Flagger would run them")
      .flag("allow-foreign", &allow_foreign,
            "exit 0 even when documents were skipped or none was checked");
  auto parsed = parser.parse(call.args, call.out);
  if (!parsed.ok) return usage_error(parser, parsed.error, call.err);
  if (parsed.help) return 0;
  if (parsed.positionals.empty())
    return usage_error(parser, "needs at least one PATH (a file, a directory or -)", call.err);
  if (!options.mesh_provider.empty() && !model::is_known_provider(options.mesh_provider))
    return usage_error(parser,
                       "--mesh-provider \"" + options.mesh_provider + "\" is not one of " +
                           model::known_providers_text(),
                       call.err);
  // Flagger's own default router is istio; veer's operator defaults to kubernetes.
  options.fallback_provider = options.flagger ? "istio" : "kubernetes";

  Report report;
  std::vector<std::pair<std::string, std::vector<model::Document>>> sources;
  std::vector<model::Document> all;
  auto files = model::read_input_files(parsed.positionals, call.in);
  report.files = static_cast<int>(files.size());
  for (const auto& file : files) {
    if (file.skipped) {
      report.notes.push_back({file.name, 0, "", "", "", file.error});
      continue;
    }
    if (!file.error.empty()) {
      report.problems.push_back({file.name, 0, "", "", "", file.error});
      continue;
    }
    auto docs = model::read_documents(file.text, file.name);
    for (const auto& e : docs.errors)
      report.problems.push_back({file.name, e.line, "", "", "", e.message});
    auto expanded = model::expand_lists(docs.documents);
    all.insert(all.end(), expanded.begin(), expanded.end());
    sources.emplace_back(file.name, std::move(expanded));
  }
  // An Ingress anywhere in the input tells which ingress controller its Canary is written for.
  options.ingress_classes = model::ingress_classes(all);

  for (const auto& [file, docs] : sources) {
    for (const auto& doc : docs) {
      auto skip = skip_reason(doc, options.flagger);
      if (!skip) continue;
      if (!skip->empty()) {
        report.skipped.push_back(
            {file, doc.line, doc.kind, doc.display_name(), doc.api_version, *skip});
        continue;
      }
      ++report.documents;
      auto check = model::check_document(doc, options);
      // In file order, so the output reads top to bottom.
      auto by_line = [](const auto& a, const auto& b) { return a.line < b.line; };
      std::stable_sort(check.errors.begin(), check.errors.end(), by_line);
      for (const auto& e : check.errors)
        report.problems.push_back({file, e.line, doc.kind, doc.display_name(), e.path, e.reason});
      for (const auto& n : check.notes)
        report.notes.push_back({file, n.line, doc.kind, doc.display_name(), n.path, n.reason});
    }
  }
  bool foreign_fails = !allow_foreign && (!report.skipped.empty() || report.documents == 0);
  bool passed = report.problems.empty() && !foreign_fails;
  if (output == "json")
    print_json(report, passed, call.out);
  else
    print_text(report, passed, quiet, foreign_fails && report.problems.empty(), call.out, call.err);
  return passed ? 0 : 1;
}

}  // namespace

VEER_COMMAND("validate", "check Canary, MetricTemplate, AlertProvider and Experiment documents",
             run_validate);

}  // namespace veer::cli
