// `veer validate PATH...`: checks every veer document in files, directories or stdin against the
// model's rules; what a GitOps repository runs in its CI.
#include <algorithm>
#include <ostream>

#include <nlohmann/json.hpp>

#include "model/document.hpp"
#include "model/input_files.hpp"
#include "model/kind_header.hpp"
#include "model/validate_document.hpp"
#include "operator/cli/args.hpp"
#include "operator/cli/command.hpp"

namespace veer::cli {
namespace {

struct Problem {
  std::string file;
  int line = 0;
  std::string kind;
  std::string name;
  std::string path;
  std::string reason;
};

void print_text(const std::vector<Problem>& problems, std::ostream& out) {
  for (const auto& p : problems) {
    out << p.file;
    if (p.line > 0) out << ":" << p.line;
    out << ": ";
    if (!p.path.empty()) out << p.path << ": ";
    out << p.reason << "\n";
  }
}

void print_json(const std::vector<Problem>& problems, int documents, int files, std::ostream& out) {
  nlohmann::json errors = nlohmann::json::array();
  for (const auto& p : problems)
    errors.push_back({{"file", p.file},
                      {"line", p.line},
                      {"kind", p.kind},
                      {"name", p.name},
                      {"path", p.path},
                      {"reason", p.reason}});
  nlohmann::json report = {
      {"valid", problems.empty()}, {"files", files}, {"documents", documents}, {"errors", errors}};
  out << report.dump(2) << "\n";
}

int run_validate(Invocation& call) {
  std::string output = "text";
  bool quiet = false;
  ArgParser parser("validate", "PATH...",
                   "Validates every veer document (Canary, MetricTemplate, AlertProvider, "
                   "Experiment) in the given files, directories (recursively: *.yaml, *.yml, "
                   "*.json) or '-' for standard input. Other kinds are ignored. Prints "
                   "file:line: field.path: reason for each problem; exits 1 if there is any.");
  parser.option("output", &output, "FORMAT", "text (default) or json", 'o')
      .choices("output", {"text", "json"})
      .flag("quiet", &quiet, "print nothing when everything is valid", 'q');
  auto parsed = parser.parse(call.args, call.out);
  if (!parsed.ok) return usage_error(parser, parsed.error, call.err);
  if (parsed.help) return 0;
  if (parsed.positionals.empty())
    return usage_error(parser, "needs at least one PATH (a file, a directory or -)", call.err);

  std::vector<Problem> problems;
  int documents = 0;
  int flagger_documents = 0;
  auto files = model::read_input_files(parsed.positionals, call.in);
  for (const auto& file : files) {
    if (!file.error.empty()) {
      problems.push_back({file.name, 0, "", "", "", file.error});
      continue;
    }
    auto docs = model::read_documents(file.text, file.name);
    for (const auto& e : docs.errors)
      problems.push_back({file.name, e.line, "", "", "", e.message});
    for (const auto& doc : model::expand_lists(docs.documents)) {
      if (doc.api_version == model::kFlaggerApiVersion) ++flagger_documents;
      if (!model::is_veer_document(doc)) continue;
      ++documents;
      auto errors = model::validate_document(doc);
      // In file order, so the output reads top to bottom.
      std::stable_sort(errors.begin(), errors.end(),
                       [](const auto& a, const auto& b) { return a.line < b.line; });
      for (const auto& e : errors)
        problems.push_back({file.name, e.line, doc.kind, doc.display_name(), e.path, e.reason});
    }
  }
  if (output == "json") {
    print_json(problems, documents, static_cast<int>(files.size()), call.out);
  } else {
    print_text(problems, call.out);
    if (!quiet || !problems.empty()) {
      call.err << "veer validate: " << documents << " veer document" << (documents == 1 ? "" : "s")
               << " in " << files.size() << " file" << (files.size() == 1 ? "" : "s") << ", "
               << problems.size() << " problem" << (problems.size() == 1 ? "" : "s") << "\n";
      if (flagger_documents > 0)
        call.err << "veer validate: " << flagger_documents
                 << " flagger.app/v1beta1 document(s) skipped; 'veer convert' rewrites them\n";
    }
  }
  return problems.empty() ? 0 : 1;
}

}  // namespace

VEER_COMMAND("validate", "check Canary, MetricTemplate, AlertProvider and Experiment documents",
             run_validate);

}  // namespace veer::cli
