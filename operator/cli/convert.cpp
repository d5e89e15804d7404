// `veer convert PATH...`: rewrites Flagger flagger.app/v1beta1 Canary, MetricTemplate and
// AlertProvider documents to veer.dev/v1beta1, leaving everything else as it is.
#include <fstream>
#include <ostream>

#include "model/flagger_convert.hpp"
#include "model/input_files.hpp"
#include "operator/cli/args.hpp"
#include "operator/cli/command.hpp"

namespace veer::cli {
namespace {

void print_warnings(const std::string& file, const model::Conversion& c, std::ostream& err) {
  for (const auto& w : c.warnings) {
    err << file;
    if (w.line > 0) err << ":" << w.line;
    err << ": warning: " << w.object << ": ";
    if (!w.path.empty()) err << w.path << ": ";
    err << w.message << "\n";
  }
}

int run_convert(Invocation& call) {
  bool in_place = false;
  bool quiet = false;
  ArgParser parser("convert", "PATH...",
                   "Rewrites Flagger (flagger.app/v1beta1) Canary, MetricTemplate and "
                   "AlertProvider documents to veer.dev/v1beta1; every other document and all "
                   "comments are left unchanged. Writes to standard output, or back to the files "
                   "with --in-place. Warnings about fields veer treats differently go to standard "
                   "error.");
  parser.flag("in-place", &in_place, "rewrite the files instead of printing them", 'i')
      .flag("quiet", &quiet, "do not print warnings", 'q');
  auto parsed = parser.parse(call.args, call.out);
  if (!parsed.ok) return usage_error(parser, parsed.error, call.err);
  if (parsed.help) return 0;
  if (parsed.positionals.empty())
    return usage_error(parser, "needs at least one PATH (a file, a directory or -)", call.err);
  for (const auto& p : parsed.positionals)
    if (p == "-" && in_place)
      return usage_error(parser, "--in-place cannot rewrite standard input", call.err);

  int status = 0;
  int converted = 0;
  bool first = true;
  for (const auto& file : model::read_input_files(parsed.positionals, call.in)) {
    if (!file.error.empty()) {
      call.err << file.name << ": " << (file.skipped ? "warning: " : "") << file.error << "\n";
      if (!file.skipped) status = 1;
      continue;
    }
    auto result = model::convert_flagger_documents(file.text, file.name);
    for (const auto& e : result.errors) {
      call.err << file.name << ":" << e.line << ": " << e.message << " (file left unchanged)\n";
      status = 1;
    }
    if (!quiet) print_warnings(file.name, result, call.err);
    converted += result.converted;
    if (in_place) {
      if (result.converted == 0) continue;
      std::ofstream out(file.name, std::ios::binary | std::ios::trunc);
      out << result.text;
      if (!out) {
        call.err << file.name << ": cannot write file\n";
        status = 1;
      }
      continue;
    }
    if (!first) call.out << "---\n";
    first = false;
    call.out << result.text;
    if (!result.text.empty() && result.text.back() != '\n') call.out << "\n";
  }
  if (!quiet) call.err << "veer convert: " << converted << " document(s) converted\n";
  return status;
}

}  // namespace

VEER_COMMAND("convert", "rewrite Flagger documents to veer.dev/v1beta1", run_convert);

}  // namespace veer::cli
