// The admission webhook refuses what `veer validate` refuses, with the field path, and lets
// through what it must never block (deletions, finalizer removal, metadata-only updates,
// objects that are not veer's); it serves over TLS and refuses bodies that are not reviews.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "http/client.hpp"
#include "operator/admission/admission_review.hpp"
#include "operator/admission/admission_server.hpp"
#include "operator/controller/simulation.hpp"
#include "testing/test_certificates.hpp"
#include "testing/text.hpp"

using namespace veer;
using nlohmann::json;

namespace {

json broken_canary() {
  auto c = controller::simulation::canary("shop", "podinfo", "istio");
  c["spec"]["analysis"]["metrics"][0]["thresholdRange"] = {{"min", 99}, {"max", 10}};
  return c;
}

json review(const json& object, const std::string& operation = "CREATE",
            const std::string& api_version = "admission.k8s.io/v1") {
  return {{"apiVersion", api_version},
          {"kind", "AdmissionReview"},
          {"request",
           {{"uid", "705ab4f5-6393-11e8-b7cc-42010a800002"},
            {"kind", {{"group", "veer.dev"}, {"version", "v1beta1"}, {"kind", "Canary"}}},
            {"name", "podinfo"},
            {"namespace", "shop"},
            {"operation", operation},
            {"object", object},
            {"oldObject", nullptr}}}};
}

json response_of(const admission::ReviewAnswer& answer) {
  REQUIRE(answer.http_status == 200);
  auto parsed = json::parse(answer.body);
  return parsed["response"];
}

json answer(const json& r) {
  return response_of(admission::answer_review(r.dump(), {}));
}

using veer::testing::contains;

}  // namespace

TEST_CASE("a Canary veer validate refuses is refused with its field path, a valid one passes") {
  auto refused = answer(review(broken_canary()));
  CHECK(refused["uid"] == "705ab4f5-6393-11e8-b7cc-42010a800002");
  CHECK(refused["allowed"] == false);
  CHECK(refused["status"]["code"] == 422);
  const auto message = refused["status"]["message"].get<std::string>();
  CHECK(contains(message, "Canary shop/podinfo is invalid"));
  CHECK(contains(message, "spec.analysis.metrics[0].thresholdRange: min"));

  auto accepted = answer(review(controller::simulation::canary("shop", "podinfo", "istio")));
  CHECK(accepted["allowed"] == true);
  CHECK_FALSE(accepted.contains("status"));
}

TEST_CASE("the review's apiVersion is echoed: v1beta1 API servers get a v1beta1 answer") {
  auto r = review(broken_canary(), "CREATE", "admission.k8s.io/v1beta1");
  auto out = json::parse(admission::answer_review(r.dump(), {}).body);
  CHECK(out["apiVersion"] == "admission.k8s.io/v1beta1");
  CHECK(out["kind"] == "AdmissionReview");
  CHECK(out["response"]["allowed"] == false);
}

TEST_CASE("never blocked: deletion, an object being deleted, a metadata-only update, not veer's") {
  CHECK(answer(review(nullptr, "DELETE"))["allowed"] == true);

  auto deleting = broken_canary();
  deleting["metadata"]["deletionTimestamp"] = "2026-11-26T10:00:00Z";
  CHECK(answer(review(deleting, "UPDATE"))["allowed"] == true);

  // The operator's finalizer and `veer promote`'s annotation on a Canary created before the
  // webhook existed: spec unchanged, allowed; changing the spec is validated again.
  auto r = review(broken_canary(), "UPDATE");
  r["request"]["oldObject"] = broken_canary();
  r["request"]["object"]["metadata"]["annotations"] = {{"veer.dev/promote", "true"}};
  CHECK(answer(r)["allowed"] == true);
  r["request"]["object"]["spec"]["analysis"]["threshold"] = 3;
  CHECK(answer(r)["allowed"] == false);

  json config_map = {{"apiVersion", "v1"},
                     {"kind", "ConfigMap"},
                     {"metadata", {{"name", "x"}}},
                     {"data", {{"a", "b"}}}};
  CHECK(answer(review(config_map))["allowed"] == true);
}

TEST_CASE("the --mesh-provider applies to Canaries without spec.provider, as in the controller") {
  auto c = controller::simulation::canary("shop", "podinfo", "istio");
  c["spec"].erase("provider");
  c["spec"]["service"]["gatewayRefs"] = json::array({{{"name", "public"}}});
  model::ValidationOptions gateway;
  gateway.mesh_provider = "gatewayapi:v1";
  CHECK(response_of(admission::answer_review(review(c).dump(), gateway))["allowed"] == true);
  model::ValidationOptions istio;
  istio.mesh_provider = "istio";
  auto refused = response_of(admission::answer_review(review(c).dump(), istio));
  CHECK(refused["allowed"] == false);
  CHECK(contains(refused["status"]["message"].get<std::string>(), "spec.service.gatewayRefs"));
}

TEST_CASE("many problems: the first 20 are named and the rest counted") {
  auto c = broken_canary();
  auto metric = c["spec"]["analysis"]["metrics"][0];
  for (int i = 1; i < 30; ++i) {
    metric["name"] = "m" + std::to_string(i);
    metric["query"] = "up";
    c["spec"]["analysis"]["metrics"].push_back(metric);
  }
  const auto message = answer(review(c))["status"]["message"].get<std::string>();
  CHECK(contains(message, "and 10 more"));
  CHECK(message.size() < 4000);
}

TEST_CASE("a body that is not an AdmissionReview is a 400 naming why, never a crash") {
  for (const std::string& body :
       {std::string("not json at all: ["), std::string("{}"), std::string("[1,2]"),
        json{{"apiVersion", "admission.k8s.io/v1"}, {"kind", "AdmissionReview"}}.dump(),
        std::string(1000, '[') + std::string(1000, ']'), std::string("{\"a\": 1e400}")}) {
    CAPTURE(body.substr(0, 60));
    auto out = admission::answer_review(body, {});
    CHECK(out.http_status == 400);
    CHECK(contains(out.body, "admission review refused: "));
  }
}

TEST_CASE("the webhook serves HTTPS on loopback: POST /validate answers, other paths do not") {
  testing::TestCertificates certificates;
  admission::AdmissionSettings settings;
  settings.host = "127.0.0.1";
  settings.port = 0;
  settings.tls_cert_file = certificates.server_cert_file;
  settings.tls_key_file = certificates.server_key_file;
  admission::AdmissionServer server(settings);
  const auto base = "https://" + server.address();

  http::Request post;
  post.method = "POST";
  post.url = base + "/validate";
  post.ca_file = certificates.ca_file;
  post.headers = {{"Content-Type", "application/json"}};
  post.body = review(broken_canary()).dump();
  auto reply = http::send(post);
  REQUIRE_MESSAGE(reply.ok(), (reply.ok() ? "" : reply.error().message));
  CHECK(reply->status == 200);
  CHECK(json::parse(reply->body)["response"]["allowed"] == false);

  post.url = base + "/other";
  auto other = http::send(post);
  REQUIRE(other.ok());
  CHECK(other->status == 404);

  // A client that does not trust the webhook's CA is refused by TLS, not answered.
  post.url = base + "/validate";
  post.ca_file = certificates.other_ca_file;
  CHECK_FALSE(http::send(post).ok());

  // Bodies past the limit are refused with 413, not read into memory.
  post.ca_file = certificates.ca_file;
  post.body = std::string(9u << 20, ' ');
  // The server answers 413 and closes: a client still sending may see the reset first.
  auto huge = http::send(post);
  if (huge.ok())
    CHECK(huge->status == 413);
  else
    CHECK_MESSAGE(contains(huge.error().message, "reset by peer"), huge.error().message);
}

TEST_CASE("a missing or unreadable certificate is a start-up error naming the file") {
  admission::AdmissionSettings settings;
  settings.host = "127.0.0.1";
  settings.port = 0;
  settings.tls_cert_file = "/nonexistent/tls.crt";
  settings.tls_key_file = "/nonexistent/tls.key";
  CHECK_THROWS_WITH_AS(admission::AdmissionServer{settings},
                       doctest::Contains("/nonexistent/tls.crt"), std::runtime_error);
  settings.tls_key_file.clear();
  CHECK_THROWS_AS(admission::AdmissionServer{settings}, std::runtime_error);
}
