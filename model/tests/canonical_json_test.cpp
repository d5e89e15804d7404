#include <doctest/doctest.h>

#include "model/canonical_json.hpp"

using nlohmann::json;
using veer::model::canonical_hash;
using veer::model::canonical_json;

TEST_CASE("canonical JSON ignores key order, whitespace and number spelling") {
  auto a = json::parse(R"({"b": [1, 2.0, {"y": 1e2, "x": "s"}], "a": true})");
  auto b = json::parse(R"({"a":true,"b":[1,2,{"x":"s","y":100}]})");
  CHECK(canonical_json(a) == R"({"a":true,"b":[1,2,{"x":"s","y":100}]})");
  CHECK(canonical_json(a) == canonical_json(b));
  CHECK(canonical_hash(a) == canonical_hash(b));
}

TEST_CASE("different values give different hashes, and the hash is pinned") {
  auto a = json::parse(R"({"image": "podinfo:6.0.0"})");
  auto b = json::parse(R"({"image": "podinfo:6.0.1"})");
  CHECK(canonical_hash(a) != canonical_hash(b));
  CHECK(canonical_hash(a).size() == 16);
  // Pinned: a change here would start a rollout of every workload after an upgrade.
  // sha256('{"image":"podinfo:6.0.0"}') computed independently with sha256sum.
  CHECK(canonical_hash(a) == "5073a3cbff1f9a8a");
  CHECK(canonical_json(json::parse("[0.5, -0.0, 1.25e-3]")) == "[0.5,0,0.00125]");
}

TEST_CASE("strings keep UTF-8 and escape control characters") {
  json v = {{"k", "caf\xC3\xA9\n\"q\""}};
  CHECK(canonical_json(v) == "{\"k\":\"caf\xC3\xA9\\n\\\"q\\\"\"}");
}
