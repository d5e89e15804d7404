// Times what `veer validate FILE` does in the model, phase by phase: read the file, parse the
// YAML into documents, expand lists, check each veer document. Prints one line of seconds.
//   bench_validate FILE
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "model/document.hpp"
#include "model/provider_inference.hpp"
#include "model/validate_document.hpp"

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace veer::model;
  if (argc != 2) {
    std::fprintf(stderr, "usage: bench_validate FILE\n");
    return 2;
  }
  auto start = std::chrono::steady_clock::now();
  // Read as plainly as possible, so the same source builds against the code before issue 14.
  std::ifstream in(argv[1], std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  if (!in) {
    std::fprintf(stderr, "%s: cannot read file\n", argv[1]);
    return 1;
  }
  double read = seconds_since(start);
  start = std::chrono::steady_clock::now();
  auto docs = read_documents(text, argv[1]);
  double parse = seconds_since(start);
  start = std::chrono::steady_clock::now();
  auto expanded = expand_lists(docs.documents);
  ValidationOptions options;
  options.infer_provider = true;
  options.fallback_provider = "kubernetes";
  options.ingress_classes = ingress_classes(expanded);
  std::size_t problems = docs.errors.size();
  for (const auto& doc : expanded)
    if (is_veer_document(doc)) problems += check_document(doc, options).errors.size();
  double check = seconds_since(start);
  std::printf("bytes=%zu read=%.3fs parse=%.3fs check=%.3fs total=%.3fs problems=%zu\n",
              text.size(), read, parse, check, read + parse + check, problems);
  return 0;
}
