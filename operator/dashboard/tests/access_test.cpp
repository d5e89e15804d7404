#include <doctest/doctest.h>

#include "operator/dashboard/access.hpp"
#include "operator/dashboard/reviews.hpp"
#include "operator/kube/memory_cluster.hpp"

using namespace veer::dashboard;
using namespace veer::kube;
using nlohmann::json;
using veer::base::Clock;
using veer::base::SimulatedClock;

namespace {

// A cluster that answers TokenReview and SubjectAccessReview as an API server would, from a
// table, and records the reviews it was sent; everything else goes to a MemoryCluster.
class ReviewingCluster final : public Cluster {
 public:
  explicit ReviewingCluster(Clock& clock) : memory_(clock) {}
  std::map<std::string, json> users;                                   // token -> status.user
  std::set<std::tuple<std::string, std::string, std::string>> grants;  // user, ns, verb
  std::vector<json> sent;
  std::optional<ApiError> failure;

  Result<Json> create(const Json& object) override {
    sent.push_back(object);
    if (failure) return *failure;
    auto answer = object;
    if (object.value("kind", "") == "TokenReview") {
      auto it = users.find(object["spec"].value("token", ""));
      answer["status"] = it == users.end() ? json{{"authenticated", false}}
                                           : json{{"authenticated", true}, {"user", it->second}};
      return answer;
    }
    if (object.value("kind", "") == "SubjectAccessReview") {
      const auto& spec = object["spec"];
      const auto& attributes = spec["resourceAttributes"];
      const bool allowed = attributes.value("group", "") == "veer.dev" &&
                           attributes.value("resource", "") == "canaries" &&
                           grants.count({spec.value("user", ""), attributes.value("namespace", ""),
                                         attributes.value("verb", "")}) > 0;
      answer["status"] = {{"allowed", allowed}};
      return answer;
    }
    return memory_.create(object);
  }
  Result<ResourceInfo> resolve(const ResourceType& t) override { return memory_.resolve(t); }
  Result<Json> get(const ObjectRef& r) override { return memory_.get(r); }
  Result<ObjectList> list(const ResourceType& t, const std::string& ns,
                          const ListOptions& o) override {
    return memory_.list(t, ns, o);
  }
  Result<Json> update(const Json& o) override { return memory_.update(o); }
  Result<Json> update_status(const Json& o) override { return memory_.update_status(o); }
  Result<Json> patch(const ObjectRef& r, PatchType t, const Json& p,
                     const PatchOptions& o) override {
    return memory_.patch(r, t, p, o);
  }
  Status remove(const ObjectRef& r, const DeleteOptions& o) override {
    return memory_.remove(r, o);
  }
  Result<std::unique_ptr<WatchStream>> watch(const ResourceType& t, const std::string& ns,
                                             const WatchOptions& o) override {
    return memory_.watch(t, ns, o);
  }

 private:
  MemoryCluster memory_;
};

// Reviews that count the questions asked and can fail.
class CountingReviews final : public Reviews {
 public:
  int token_calls = 0, access_calls = 0;
  bool fail = false;
  Result<std::optional<User>> review_token(const std::string& token) override {
    ++token_calls;
    if (fail) return ApiError{ErrorType::Transport, 0, "", "connection refused"};
    if (token != "good") return std::optional<User>{};
    return std::optional<User>{User{"alice", "", {}}};
  }
  Result<bool> review_access(const User&, const AccessQuestion& q) override {
    ++access_calls;
    if (fail) return ApiError{ErrorType::Transport, 0, "", "connection refused"};
    return q.ns == "shop";
  }
};

}  // namespace

TEST_CASE("KubeReviews sends TokenReview and SubjectAccessReview and reads their status") {
  SimulatedClock clock;
  ReviewingCluster cluster(clock);
  cluster.users["t-alice"] = {{"username", "alice"}, {"uid", "u1"}, {"groups", {"team-a"}}};
  cluster.grants.insert({"alice", "shop", "list"});
  KubeReviews reviews(cluster);

  auto alice = reviews.review_token("t-alice");
  REQUIRE(alice.ok());
  REQUIRE(alice->has_value());
  CHECK((*alice)->name == "alice");
  CHECK((*alice)->groups == std::vector<std::string>{"team-a"});
  CHECK(cluster.sent.back()["apiVersion"] == "authentication.k8s.io/v1");
  CHECK(cluster.sent.back()["spec"]["token"] == "t-alice");

  auto nobody = reviews.review_token("t-unknown");
  REQUIRE(nobody.ok());
  CHECK(!nobody->has_value());

  CHECK(*reviews.review_access(**alice, {"shop", "list"}) == true);
  const auto& sar = cluster.sent.back();
  CHECK(sar["apiVersion"] == "authorization.k8s.io/v1");
  CHECK(sar["spec"]["user"] == "alice");
  CHECK(sar["spec"]["uid"] == "u1");
  CHECK(sar["spec"]["groups"] == json{"team-a"});
  CHECK(sar["spec"]["resourceAttributes"] == json{{"namespace", "shop"},
                                                  {"verb", "list"},
                                                  {"group", "veer.dev"},
                                                  {"resource", "canaries"}});
  CHECK(*reviews.review_access(**alice, {"other", "list"}) == false);
  CHECK(*reviews.review_access(**alice, {"shop", "patch"}) == false);
  reviews.review_access(**alice, {"shop", "list", "experiments"});
  CHECK(cluster.sent.back()["spec"]["resourceAttributes"]["resource"] == "experiments");

  cluster.failure = ApiError{ErrorType::Forbidden, 403, "Forbidden", "cannot create tokenreviews"};
  auto failed = reviews.review_token("t-alice");
  REQUIRE(!failed.ok());  // an error, never "not authenticated"
  CHECK(failed.error().type == ErrorType::Forbidden);
  CHECK(!reviews.review_access(**alice, {"shop", "list"}).ok());
}

TEST_CASE("static reviews: a users file scopes each token to its namespaces") {
  std::string error;
  auto reviews = StaticReviews::parse(
      "# token user namespaces\n"
      "t-a alice shop,web   # two namespaces\n"
      "\n"
      "t-admin admin *\n",
      error);
  REQUIRE(reviews);
  auto alice = *reviews->review_token("t-a");
  REQUIRE(alice);
  CHECK(alice->name == "alice");
  CHECK(*reviews->review_access(*alice, {"web", "patch"}));
  CHECK(!*reviews->review_access(*alice, {"other", "list"}));
  auto admin = *reviews->review_token("t-admin");
  CHECK(*reviews->review_access(*admin, {"anything", "list"}));
  CHECK(!reviews->review_token("nope")->has_value());

  CHECK(!StaticReviews::parse("t-a alice\n", error));
  CHECK(error == "line 1: want TOKEN USER NAMESPACES (`*` or a,b)");
  CHECK(!StaticReviews::parse("ok u ns\nt-a alice shop extra\n", error));
  CHECK(error.rfind("line 2:", 0) == 0);
}

TEST_CASE("access: the shared token sees everything, reviewed tokens are cached, errors are not") {
  SimulatedClock clock;
  CountingReviews reviews;
  Access access(clock, "shared-secret", &reviews, std::chrono::seconds(30));

  auto shared = access.authenticate("shared-secret");
  REQUIRE(shared.ok());
  REQUIRE(shared->has_value());
  CHECK((*shared)->every_namespace);
  CHECK(*access.allowed(**shared, {"any", "patch"}));
  CHECK(reviews.token_calls == 0);

  CHECK(!access.authenticate("")->has_value());
  CHECK(!access.authenticate("shared-secreT")->has_value());
  auto alice = access.authenticate("good");
  REQUIRE(alice->has_value());
  CHECK(!(*alice)->every_namespace);
  access.authenticate("good");
  CHECK(reviews.token_calls == 2);  // "shared-secreT" and "good" once: the second is cached
  CHECK(*access.allowed(**alice, {"shop", "list"}));
  CHECK(!*access.allowed(**alice, {"other", "list"}));
  access.allowed(**alice, {"shop", "list"});
  CHECK(reviews.access_calls == 2);
  clock.advance(std::chrono::seconds(31));
  access.allowed(**alice, {"shop", "list"});
  CHECK(reviews.access_calls == 3);  // expired

  reviews.fail = true;
  clock.advance(std::chrono::seconds(31));
  CHECK(!access.authenticate("good").ok());
  CHECK(!access.allowed(**alice, {"shop", "list"}).ok());
  reviews.fail = false;
  CHECK(access.authenticate("good")->has_value());  // the failure was not remembered

  Access token_only(clock, "t", nullptr);
  CHECK(!token_only.authenticate("good")->has_value());
}
