#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "operator/kube/secret_data.hpp"

using veer::kube::secret_data;
using Json = nlohmann::json;

TEST_CASE("secret_data decodes data and lets stringData win, as the API does") {
  const auto got = secret_data(Json::parse(R"({"data": {"user": "YWRtaW4=", "token": "b2xk"},
                                               "stringData": {"token": "new"}})"));
  REQUIRE(got.ok());
  CHECK(got->at("user") == "admin");
  CHECK(got->at("token") == "new");
  CHECK(secret_data(Json::object()).value().empty());
}

TEST_CASE("secret_data fails on the first unreadable key, naming it, never dropping it") {
  CHECK(secret_data(Json::parse(R"({"data": {"token": "not base64!"}})")).error().message ==
        "data.token is not valid base64");
  CHECK(secret_data(Json::parse(R"({"data": {"token": 5}})")).error().message ==
        "data.token is not valid base64");
  CHECK(secret_data(Json::parse(R"({"stringData": {"password": ["x"]}})")).error().message ==
        "stringData.password is not a string");
  CHECK(secret_data(Json::parse(R"({"data": ["x"]})")).error().message ==
        "data must be a map of keys");
}
