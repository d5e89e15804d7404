#include "model/canonical_json.hpp"

#include <cmath>
#include <cstdint>

#include <openssl/sha.h>

namespace veer::model {

namespace {

// Rewrites floating-point numbers with an integral value as integers, recursively.
nlohmann::json normalise_numbers(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::object: {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& [key, item] : value.items()) out[key] = normalise_numbers(item);
      return out;
    }
    case nlohmann::json::value_t::array: {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& item : value) out.push_back(normalise_numbers(item));
      return out;
    }
    case nlohmann::json::value_t::number_unsigned:
      if (value.get<std::uint64_t>() <= static_cast<std::uint64_t>(INT64_MAX))
        return static_cast<std::int64_t>(value.get<std::uint64_t>());
      return value;
    case nlohmann::json::value_t::number_float: {
      double d = value.get<double>();
      if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < 9.0e15)
        return static_cast<std::int64_t>(d);
      return value;
    }
    default:
      return value;
  }
}

}  // namespace

std::string canonical_json(const nlohmann::json& value) {
  // nlohmann::json's default object type is a std::map, so keys come out sorted.
  return normalise_numbers(value).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string short_sha256(const std::string& bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 8; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0xF];
  }
  return out;
}

std::string canonical_hash(const nlohmann::json& value) {
  return short_sha256(canonical_json(value));
}

}  // namespace veer::model
