// unpack_json (issue 19): the informers' packed objects read back as from_msgpack reads them, the
// same values and number kinds, for every form to_msgpack writes; what it does not decode itself
// (binary, malformed or truncated input, trailing bytes) is from_msgpack's, errors included.
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "operator/kube/packed_json.hpp"

using veer::kube::unpack_json;

namespace {

// The same value and, for numbers, the same kind (unsigned, signed, float) as from_msgpack's.
void check_same(const nlohmann::json& value) {
  const auto packed = nlohmann::json::to_msgpack(value);
  const auto expected = nlohmann::json::from_msgpack(packed);
  const auto got = unpack_json(packed);
  CHECK(got == expected);
  CHECK(got.dump() == expected.dump());
  CHECK(got == value);
  // Kinds, all the way down.
  std::vector<std::pair<const nlohmann::json*, const nlohmann::json*>> pending{{&got, &expected}};
  while (!pending.empty()) {
    auto [a, b] = pending.back();
    pending.pop_back();
    REQUIRE(a->type() == b->type());
    if (a->is_structured())
      for (auto ia = a->begin(), ib = b->begin(); ia != a->end(); ++ia, ++ib) {
        if (a->is_object()) CHECK(ia.key() == ib.key());
        pending.push_back({&*ia, &*ib});
      }
  }
}

nlohmann::json random_value(std::mt19937_64& random, int depth) {
  const auto pick = random() % (depth > 4 ? 8 : 10);
  const auto text = [&](std::size_t n) {
    std::string s(n, ' ');
    for (auto& c : s) c = static_cast<char>('a' + random() % 26);
    return s;
  };
  const std::size_t sizes[] = {0, 1, 15, 31, 32, 255, 256, 70000};
  switch (pick) {
    case 0:
      return nullptr;
    case 1:
      return random() % 2 == 0;
    case 2:
      return static_cast<std::int64_t>(random()) >> (random() % 64);
    case 3:
      return static_cast<std::uint64_t>(random()) >> (random() % 64);
    case 4:
      return -static_cast<std::int64_t>(random() % 300);
    case 5:
      return static_cast<double>(static_cast<std::int64_t>(random() % 100000)) / 8.0;
    case 6:
      return static_cast<double>(random()) * 1e-7;
    case 7:
      return text(sizes[random() % 8]);
    case 8: {
      nlohmann::json items = nlohmann::json::array();
      const std::size_t n = random() % 3 == 0 ? 17 + random() % 5 : random() % 6;
      for (std::size_t i = 0; i < n; ++i) items.push_back(random_value(random, depth + 1));
      return items;
    }
    default: {
      nlohmann::json members = nlohmann::json::object();
      const std::size_t n = random() % 3 == 0 ? 17 + random() % 5 : random() % 6;
      for (std::size_t i = 0; i < n; ++i)
        members[text(1 + random() % 40)] = random_value(random, depth + 1);
      return members;
    }
  }
}

}  // namespace

TEST_CASE("unpack_json reads what to_msgpack writes as from_msgpack does") {
  const nlohmann::json limits = {std::numeric_limits<std::int64_t>::min(),
                                 std::numeric_limits<std::int64_t>::max(),
                                 std::numeric_limits<std::uint64_t>::max(),
                                 -1,
                                 -32,
                                 -33,
                                 -128,
                                 -129,
                                 -32768,
                                 -32769,
                                 -2147483648LL,
                                 -2147483649LL,
                                 0,
                                 127,
                                 128,
                                 255,
                                 256,
                                 65535,
                                 65536,
                                 4294967295LL,
                                 4294967296LL,
                                 0.5,
                                 0.1,
                                 -2.75,
                                 1e300,
                                 3.4e38,
                                 true,
                                 false,
                                 nullptr,
                                 "",
                                 std::string(31, 'x'),
                                 std::string(32, 'y'),
                                 std::string(255, 'z'),
                                 std::string(256, 'w'),
                                 std::string(65536, 'v'),
                                 nlohmann::json::object(),
                                 nlohmann::json::array()};
  for (const auto& value : limits) {
    CAPTURE(value.dump().substr(0, 80));
    check_same(value);
  }
  check_same(limits);
  nlohmann::json big_map = nlohmann::json::object();
  for (int i = 0; i < 70000; ++i) big_map["k" + std::to_string(i)] = i;
  check_same(big_map);
  check_same(nlohmann::json::parse(
      R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"podinfo",
    "labels":{"app":"podinfo"},"generation":3},"spec":{"replicas":2,"template":{"spec":{
    "containers":[{"name":"podinfod","image":"podinfo:6.0.1","ports":[{"containerPort":9898}]}]}}},
    "status":{"conditions":[{"type":"Available","status":"True"}]}})"));

  std::mt19937_64 random(19);
  for (int i = 0; i < 300; ++i) check_same(random_value(random, 0));
}

TEST_CASE("unpack_json leaves to from_msgpack what it does not decode, errors included") {
  // Binary (to_msgpack writes it for nlohmann::json::binary): from_msgpack's value.
  const auto binary =
      nlohmann::json::to_msgpack(nlohmann::json{{"b", nlohmann::json::binary({1, 2, 3})}});
  CHECK(unpack_json(binary) == nlohmann::json::from_msgpack(binary));

  const auto packed =
      nlohmann::json::to_msgpack(nlohmann::json{{"name", "podinfo"}, {"items", {1, 2, 300}}});
  for (std::size_t n = 0; n < packed.size(); ++n) {  // every truncation
    CAPTURE(n);
    const std::vector<std::uint8_t> cut(packed.begin(), packed.begin() + static_cast<long>(n));
    CHECK_THROWS_AS(unpack_json(cut), nlohmann::json::parse_error);
  }
  auto trailing = packed;
  trailing.push_back(0x01);
  CHECK_THROWS_AS(unpack_json(trailing), nlohmann::json::parse_error);
  CHECK_THROWS_AS(unpack_json({0x81, 0x01, 0x02}),
                  nlohmann::json::parse_error);                       // a key not a string
  CHECK_THROWS_AS(unpack_json({0xc1}), nlohmann::json::parse_error);  // never used
  // Keys out of order, repeated: the last one wins, as in from_msgpack.
  const std::vector<std::uint8_t> unsorted = {0x83, 0xa1, 'b',  0x01, 0xa1,
                                              'a',  0x02, 0xa1, 'b',  0x03};
  CHECK(unpack_json(unsorted) == nlohmann::json::from_msgpack(unsorted));
  CHECK(unpack_json(unsorted) == nlohmann::json{{"a", 2}, {"b", 3}});
}
