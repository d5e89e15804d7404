#include "operator/notify/secret_data.hpp"

#include "base/base64.hpp"

namespace veer::notify {

std::map<std::string, std::string> secret_data(const nlohmann::json& secret, std::string* error) {
  std::map<std::string, std::string> out;
  auto problem = [&](const std::string& what) {
    if (error && error->empty()) *error = what;
  };
  const auto data = secret.value("data", nlohmann::json::object());
  const auto string_data = secret.value("stringData", nlohmann::json::object());
  if (!data.is_object()) problem("data must be a map of keys");
  if (!string_data.is_object()) problem("stringData must be a map of keys");
  if (data.is_object()) {
    for (const auto& [key, value] : data.items()) {
      auto decoded =
          value.is_string() ? base::decode_base64(value.get<std::string>()) : std::nullopt;
      if (decoded) {
        out[key] = *decoded;
      } else {
        problem("data." + key + " is not valid base64");
      }
    }
  }
  if (string_data.is_object()) {
    for (const auto& [key, value] : string_data.items()) {
      if (value.is_string()) {
        out[key] = value.get<std::string>();
      } else {
        problem("stringData." + key + " is not a string");
      }
    }
  }
  return out;
}

}  // namespace veer::notify
