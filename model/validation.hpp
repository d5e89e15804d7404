// What every parse function returns: the typed object (defaults applied, best effort even when
// invalid) plus ALL the problems found, each with a Kubernetes-style field path.
#pragma once

#include <string>
#include <vector>

namespace veer::model {

struct FieldError {
  std::string path;    // e.g. "spec.analysis.webhooks[2].url"; "" for the whole document
  std::string reason;  // what is wrong and what to do, e.g. "must be 1..100, got 120"
  int line = 0;        // 1-based line in the source file, 0 when unknown
};

template <class T>
struct Parsed {
  T value{};
  std::vector<FieldError> errors;
  bool ok() const { return errors.empty(); }
};

// "path: reason" (or just "reason" for the whole document).
std::string to_string(const FieldError& error);

}  // namespace veer::model
