// Canonical JSON: one text per value, independent of key order, whitespace and number spelling,
// so that hashes of it never change across veer versions (docs/architecture.md "Canonical
// hashing").
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace veer::model {

// Keys sorted (byte order), no whitespace, integral numbers printed as integers (1.0 -> 1,
// 1e2 -> 100), other numbers in the shortest form that round-trips, strings UTF-8 as-is with
// JSON escapes for control characters only.
std::string canonical_json(const nlohmann::json& value);

// The first 16 hex digits (64 bits) of the SHA-256 of canonical_json(value).
std::string canonical_hash(const nlohmann::json& value);

// The first 16 hex digits of the SHA-256 of arbitrary bytes.
std::string short_sha256(const std::string& bytes);

}  // namespace veer::model
