// NameWatches' contract with its readers: the watch hold() returns answers for its name even when
// the name is released meanwhile (a Canary deleted while another reconcile reads the same Secret),
// so a release racing a read is never taken for the object being absent.
#include <doctest/doctest.h>

#include "base/clock.hpp"
#include "operator/kube/memory_cluster.hpp"
#include "operator/runtime/name_watches.hpp"

using namespace veer;
using namespace std::chrono_literals;

TEST_CASE("a held name's watch still answers after the name is released") {
  base::RealClock clock;
  kube::MemoryCluster api(clock);
  const kube::ResourceType secrets{"", "v1", "secrets", "Secret"};
  REQUIRE(api.create({{"apiVersion", "v1"},
                      {"kind", "Secret"},
                      {"metadata", {{"name", "token"}, {"namespace", "default"}}},
                      {"data", {{"token", "c2VjcmV0"}}}}));
  runtime::NameWatches names(api, clock, secrets, {}, 10);

  auto watch = names.hold("default", "token", 5s);
  REQUIRE(watch);
  CHECK(names.held() == std::vector<std::string>{"default/token"});
  names.release("default/token");  // what release_unreferenced does when the last reference goes
  CHECK(names.held().empty());
  const auto cached = watch->get("default/token");
  REQUIRE(cached);  // by the watch the read was given: still the object
  CHECK((*cached)["data"]["token"] == "c2VjcmV0");

  CHECK_FALSE(names.hold("default", "Not_A_Name", 1s));  // invalid names are never watched
}
