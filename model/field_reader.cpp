#include "model/field_reader.hpp"

#include <algorithm>
#include <cmath>

#include "model/document.hpp"
#include "model/duration.hpp"
#include "model/spelling.hpp"

namespace veer::model {

std::string describe_type(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::object:
      return "an object";
    case nlohmann::json::value_t::array:
      return "a list";
    case nlohmann::json::value_t::string:
      return "the string \"" + value.get<std::string>() + "\"";
    case nlohmann::json::value_t::boolean:
      return value.get<bool>() ? "true" : "false";
    default:
      return "the number " + value.dump();
  }
}

FieldReader::FieldReader(const nlohmann::json& object, std::string path,
                         std::vector<FieldError>& errors)
    : object_(object), path_(std::move(path)), errors_(errors) {}

std::string FieldReader::path(std::string_view key) const {
  return child_path(path_, key);
}

bool FieldReader::has(const std::string& key) const {
  return object_.is_object() && object_.contains(key) && !object_[key].is_null();
}

void FieldReader::error(const std::string& key, std::string reason) {
  errors_.push_back({path(key), std::move(reason), 0});
}

void FieldReader::error_here(std::string reason) {
  errors_.push_back({path_, std::move(reason), 0});
}

const nlohmann::json* FieldReader::get(const std::string& key) {
  seen_.insert(key);
  if (!has(key)) return nullptr;
  return &object_[key];
}

void FieldReader::type_error(const std::string& key, const char* expected,
                             const nlohmann::json& got) {
  error(key, std::string("must be ") + expected + ", got " + describe_type(got));
}

std::string FieldReader::string(const std::string& key, std::string fallback) {
  return optional_string(key).value_or(std::move(fallback));
}

std::optional<std::string> FieldReader::optional_string(const std::string& key) {
  const auto* v = get(key);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    type_error(key, "a string", *v);
    return std::nullopt;
  }
  return v->get<std::string>();
}

std::string FieldReader::one_of(const std::string& key, const std::vector<std::string>& allowed,
                                std::string fallback) {
  auto value = optional_string(key);
  if (!value) return fallback;
  if (std::find(allowed.begin(), allowed.end(), *value) != allowed.end()) return *value;
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  error(key, "unsupported value \"" + *value + "\": must be one of " + list);
  return fallback;
}

std::optional<std::int64_t> FieldReader::optional_integer(const std::string& key) {
  const auto* v = get(key);
  if (!v) return std::nullopt;
  if (v->is_number_integer()) return v->get<std::int64_t>();
  if (v->is_number_float() && std::trunc(v->get<double>()) == v->get<double>() &&
      std::fabs(v->get<double>()) < 9e15)
    return static_cast<std::int64_t>(v->get<double>());
  type_error(key, "an integer", *v);
  return std::nullopt;
}

std::int64_t FieldReader::integer(const std::string& key, std::int64_t fallback) {
  return optional_integer(key).value_or(fallback);
}

std::optional<double> FieldReader::optional_number(const std::string& key) {
  const auto* v = get(key);
  if (!v) return std::nullopt;
  if (v->is_number()) return v->get<double>();
  type_error(key, "a number", *v);
  return std::nullopt;
}

double FieldReader::number(const std::string& key, double fallback) {
  return optional_number(key).value_or(fallback);
}

bool FieldReader::boolean(const std::string& key, bool fallback) {
  const auto* v = get(key);
  if (!v) return fallback;
  if (v->is_boolean()) return v->get<bool>();
  type_error(key, "true or false", *v);
  return fallback;
}

std::optional<std::chrono::milliseconds> FieldReader::optional_duration(const std::string& key) {
  const auto* v = get(key);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    type_error(key, "a duration such as \"30s\", \"1m30s\" or \"2m\"", *v);
    return std::nullopt;
  }
  auto parsed = parse_duration_ms(v->get<std::string>());
  if (!parsed) {
    error(key, "\"" + v->get<std::string>() +
                   "\" is not a duration: use a number and a unit (ms, s, m, h), e.g. 30s, 1m30s, "
                   "2m");
    return std::nullopt;
  }
  if (parsed->count() < 0) {
    error(key, "must not be negative, got \"" + v->get<std::string>() + "\"");
    return std::nullopt;
  }
  return parsed;
}

std::chrono::milliseconds FieldReader::duration(const std::string& key,
                                                std::chrono::milliseconds fallback) {
  return optional_duration(key).value_or(fallback);
}

std::map<std::string, std::string> FieldReader::string_map(const std::string& key) {
  std::map<std::string, std::string> out;
  const auto* v = get(key);
  if (!v) return out;
  if (!v->is_object()) {
    type_error(key, "a map of strings", *v);
    return out;
  }
  for (const auto& [k, item] : v->items()) {
    if (item.is_string())
      out[k] = item.get<std::string>();
    else
      errors_.push_back({child_path(path(key), k),
                         "must be a string (quote it in YAML), got " + describe_type(item), 0});
  }
  return out;
}

std::vector<std::string> FieldReader::string_list(const std::string& key) {
  std::vector<std::string> out;
  const auto* v = get(key);
  if (!v) return out;
  if (!v->is_array()) {
    type_error(key, "a list of strings", *v);
    return out;
  }
  for (std::size_t i = 0; i < v->size(); ++i) {
    if ((*v)[i].is_string())
      out.push_back((*v)[i].get<std::string>());
    else
      errors_.push_back(
          {index_path(path(key), i), "must be a string, got " + describe_type((*v)[i]), 0});
  }
  return out;
}

std::vector<std::int64_t> FieldReader::integer_list(const std::string& key) {
  std::vector<std::int64_t> out;
  const auto* v = get(key);
  if (!v) return out;
  if (!v->is_array()) {
    type_error(key, "a list of integers", *v);
    return out;
  }
  for (std::size_t i = 0; i < v->size(); ++i) {
    if ((*v)[i].is_number_integer())
      out.push_back((*v)[i].get<std::int64_t>());
    else
      errors_.push_back(
          {index_path(path(key), i), "must be an integer, got " + describe_type((*v)[i]), 0});
  }
  return out;
}

nlohmann::json FieldReader::raw(const std::string& key) {
  const auto* v = get(key);
  return v ? *v : nlohmann::json();
}

nlohmann::json FieldReader::raw_object(const std::string& key) {
  const auto* v = get(key);
  if (!v) return nullptr;
  if (!v->is_object()) {
    type_error(key, "an object", *v);
    return nullptr;
  }
  return *v;
}

nlohmann::json FieldReader::raw_array(const std::string& key) {
  const auto* v = get(key);
  if (!v) return nullptr;
  if (!v->is_array()) {
    type_error(key, "a list", *v);
    return nullptr;
  }
  return *v;
}

bool FieldReader::object(const std::string& key, const std::function<void(FieldReader&)>& read) {
  const auto* v = get(key);
  if (!v) return false;
  if (!v->is_object()) {
    type_error(key, "an object", *v);
    return false;
  }
  FieldReader sub(*v, path(key), errors_);
  read(sub);
  sub.reject_unknown();
  return true;
}

void FieldReader::each(const std::string& key,
                       const std::function<void(FieldReader&, std::size_t)>& read) {
  const auto* v = get(key);
  if (!v) return;
  if (!v->is_array()) {
    type_error(key, "a list", *v);
    return;
  }
  for (std::size_t i = 0; i < v->size(); ++i) {
    std::string item_path = index_path(path(key), i);
    if (!(*v)[i].is_object()) {
      errors_.push_back({item_path, "must be an object, got " + describe_type((*v)[i]), 0});
      continue;
    }
    FieldReader sub((*v)[i], item_path, errors_);
    read(sub, i);
    sub.reject_unknown();
  }
}

void FieldReader::ignore(std::initializer_list<const char*> keys) {
  for (const char* k : keys) seen_.insert(k);
}

void FieldReader::reject_unknown() {
  if (!object_.is_object()) return;
  for (const auto& [key, value] : object_.items()) {
    if (seen_.count(key)) continue;
    std::string reason = "unknown field";
    std::vector<std::string> known(seen_.begin(), seen_.end());
    auto best = closest_match(key, known);
    if (best) reason += "; did you mean \"" + *best + "\"?";
    errors_.push_back({path(key), reason, 0});
  }
}

}  // namespace veer::model
