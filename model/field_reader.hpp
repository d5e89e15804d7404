// Reads typed fields out of a JSON object while collecting every problem with its field path.
// Used by the parse functions of each kind; fields never read are reported as unknown (with a
// "did you mean" hint), which catches typos such as `stepweight` that the API server would
// silently prune.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/validation.hpp"

namespace veer::model {

class FieldReader {
 public:
  FieldReader(const nlohmann::json& object, std::string path, std::vector<FieldError>& errors);

  const std::string& path() const { return path_; }
  std::string path(std::string_view key) const;
  bool has(const std::string& key) const;  // present and not null
  void error(const std::string& key, std::string reason);
  void error_here(std::string reason);
  std::vector<FieldError>& errors() { return errors_; }

  std::string string(const std::string& key, std::string fallback = {});
  std::optional<std::string> optional_string(const std::string& key);
  // A string that must be one of `allowed`; otherwise an error listing them.
  std::string one_of(const std::string& key, const std::vector<std::string>& allowed,
                     std::string fallback = {});
  std::int64_t integer(const std::string& key, std::int64_t fallback = 0);
  std::optional<std::int64_t> optional_integer(const std::string& key);
  double number(const std::string& key, double fallback = 0);
  std::optional<double> optional_number(const std::string& key);
  bool boolean(const std::string& key, bool fallback = false);
  std::chrono::milliseconds duration(const std::string& key, std::chrono::milliseconds fallback);
  std::optional<std::chrono::milliseconds> optional_duration(const std::string& key);
  std::map<std::string, std::string> string_map(const std::string& key);
  std::vector<std::string> string_list(const std::string& key);
  std::vector<std::int64_t> integer_list(const std::string& key);
  // Any JSON value, copied verbatim (null when absent).
  nlohmann::json raw(const std::string& key);
  nlohmann::json raw_object(const std::string& key);  // must be an object when present
  nlohmann::json raw_array(const std::string& key);   // must be an array when present

  // Calls `read` with a reader for the sub-object when present; false when absent or invalid.
  bool object(const std::string& key, const std::function<void(FieldReader&)>& read);
  // Calls `read` for each object of an array field.
  void each(const std::string& key, const std::function<void(FieldReader&, std::size_t)>& read);
  // Marks keys as known without reading them.
  void ignore(std::initializer_list<const char*> keys);

  // Reports every key that no accessor touched. Call once, at the end.
  void reject_unknown();

 private:
  const nlohmann::json* get(const std::string& key);
  void type_error(const std::string& key, const char* expected, const nlohmann::json& got);

  const nlohmann::json& object_;
  std::string path_;
  std::vector<FieldError>& errors_;
  std::set<std::string> seen_;
};

// A short description of a JSON value's type for messages: "a string", "a number", ...
std::string describe_type(const nlohmann::json& value);

}  // namespace veer::model
