#include "operator/kube/secret_data.hpp"

#include "base/base64.hpp"

namespace veer::kube {

base::Outcome<SecretData> secret_data(const nlohmann::json& secret) {
  SecretData out;
  const auto data = secret.value("data", nlohmann::json::object());
  const auto string_data = secret.value("stringData", nlohmann::json::object());
  if (!data.is_object()) return base::fail("data must be a map of keys");
  if (!string_data.is_object()) return base::fail("stringData must be a map of keys");
  for (const auto& [key, value] : data.items()) {
    auto decoded = value.is_string() ? base::decode_base64(value.get<std::string>()) : std::nullopt;
    if (!decoded) return base::fail("data." + key + " is not valid base64");
    out[key] = *decoded;
  }
  for (const auto& [key, value] : string_data.items()) {
    if (!value.is_string()) return base::fail("stringData." + key + " is not a string");
    out[key] = value.get<std::string>();
  }
  return out;
}

}  // namespace veer::kube
