// Reads files and strings holding one or many YAML (or JSON) documents into JSON values that
// remember where each field came from, so errors can name a line.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/read_limits.hpp"
#include "model/validation.hpp"

namespace veer::model {

struct Document {
  std::string kind;         // "" when absent or not a string
  std::string api_version;  // "" when absent or not a string
  nlohmann::json json;      // the document, YAML scalars typed as YAML 1.2 core schema does
  std::string source;       // file path as given, "<stdin>" or a caller-chosen name
  int index = 0;            // 0-based position among the documents of its source
  int line = 0;             // 1-based line where the document starts
  // 1-based line of each field path: "spec", "spec.analysis.webhooks[2].url", ...
  std::map<std::string, int> lines;

  // Line of `path`, or of its nearest ancestor that has one, or of the document.
  int line_of(std::string_view path) const;
  // Fills in FieldError::line for errors that have none.
  void locate(std::vector<FieldError>& errors) const;
  // "name" or "namespace/name" from metadata, "" when absent.
  std::string display_name() const;
};

struct SourceError {
  std::string source;
  int line = 0;  // 0 when the whole source is affected (e.g. cannot be read)
  std::string message;
};

struct Documents {
  std::vector<Document> documents;  // empty documents (e.g. between two "---") are skipped
  // YAML syntax errors, limits reached, unreadable files, non-mapping roots, duplicate keys,
  // numbers that cannot be held
  std::vector<SourceError> errors;
};

// Parses YAML (JSON is accepted as YAML). On a syntax error the documents before it are kept.
// Every user document is read here, within `limits`: a text over the size limit, a document
// nested too deep or whose aliases expand too far is refused with an error, a number out of
// range or YAML's .inf/.nan is an error naming its field; none of them throws.
Documents read_documents(std::string_view text, const std::string& source,
                         const ReadLimits& limits = {});
Documents read_documents_from_file(const std::filesystem::path& path,
                                   const ReadLimits& limits = {});

// The documents inside a `kind: List` (what `kubectl get -o yaml` prints), each with its own
// kind and lines (paths relative to the item); any other document is returned as it is.
std::vector<Document> expand_lists(const Document& document);
std::vector<Document> expand_lists(const std::vector<Document>& documents);

// Appends a path segment: child_path("spec", "analysis") == "spec.analysis".
std::string child_path(const std::string& parent, std::string_view key);
// index_path("spec.analysis.webhooks", 2) == "spec.analysis.webhooks[2]".
std::string index_path(const std::string& parent, std::size_t index);

}  // namespace veer::model
