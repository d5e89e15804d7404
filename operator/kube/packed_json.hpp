// The informers' packed objects (informer.hpp) read back: MessagePack as
// nlohmann::json::to_msgpack writes it, decoded into the same value nlohmann::json::from_msgpack
// gives, with strings and keys copied whole and each map filled in the order it was written
// (to_msgpack writes a map's keys sorted, so every key goes in at the end without a search).
// from_msgpack reads a string byte by byte and looks every key up: most of a cache read's CPU.
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

namespace veer::kube {

// What from_msgpack(packed) returns. Input it does not decode (binary and ext types, bytes after
// the value, a truncated value, nesting deeper than 256) goes to from_msgpack, which throws
// nlohmann::json::parse_error for what is malformed, as before.
nlohmann::json unpack_json(const std::vector<std::uint8_t>& packed);

}  // namespace veer::kube
