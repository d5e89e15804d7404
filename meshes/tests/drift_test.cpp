// The drift stamp: what veer wrote is recognised as veer's, someone else's edit of an owned field
// is found and named, and veer's own next step is not mistaken for drift.
#include <doctest/doctest.h>

#include "meshes/drift.hpp"
#include "meshes/router.hpp"
#include "support/scenarios.hpp"

namespace veer::meshes {
namespace {

using nlohmann::json;

std::vector<Write> render_istio(const Routes& routes, const Observed& observed) {
  auto writes = make_router("istio").value()->apply(testing::podinfo_canary(), routes, observed);
  REQUIRE_MESSAGE(writes.ok(), testing::why(writes));
  stamp_applied(writes.value());
  return writes.value();
}

const Write& virtual_service(const std::vector<Write>& writes) {
  for (const auto& w : writes) {
    if (w.object.value("kind", "") == "VirtualService") return w;
  }
  FAIL("no VirtualService written");
  return writes.front();
}

}  // namespace

TEST_CASE("a JSON pointer reads as a field path") {
  CHECK(field_path("/spec/http/0/route/1/weight") == "spec.http[0].route[1].weight");
  CHECK(field_path("/metadata/annotations/example.com~1owner") ==
        "metadata.annotations.example.com/owner");
  CHECK(field_path("/spec") == "spec");
}

TEST_CASE("creates and updates carry the hash of the owned fields they write") {
  auto writes = render_istio(testing::weights(10), {});
  for (const auto& w : writes) {
    CHECK(w.action == Write::Action::create);
    CHECK(field_or_null(w.object, "/metadata/annotations/veer.dev~1applied-hash") ==
          owned_fields_hash(w.object, w.owned_fields));
  }
}

TEST_CASE("veer's own next step is not drift, an edit of an owned field is") {
  auto stored = testing::after({}, render_istio(testing::weights(10), {}));
  // The next step on an untouched object: an update, no drift.
  auto step = render_istio(testing::weights(20), stored);
  const auto& vs = virtual_service(step);
  REQUIRE(vs.action == Write::Action::update);
  const json* live = stored.find({"networking.istio.io/v1beta1", "VirtualService", "podinfo"});
  REQUIRE(live != nullptr);
  CHECK_FALSE(drift_of(vs, *live).has_value());

  // Someone sets the weights by hand: the same step restores them and names the fields.
  json edited = *live;
  edited["spec"]["http"][0]["route"][0]["weight"] = 50;
  edited["spec"]["http"][0]["route"][1]["weight"] = 50;
  edited["metadata"]["labels"]["team"] = "payments";  // not veer's: not named
  Observed with_edit = testing::after(stored, {Write{Write::Action::update, edited, {}}});
  auto restore = render_istio(testing::weights(10), with_edit);
  const auto& back = virtual_service(restore);
  REQUIRE(back.action == Write::Action::update);
  auto drift = drift_of(back, edited);
  REQUIRE(drift.has_value());
  CHECK(drift->object == "VirtualService podinfo.test");
  CHECK(drift->fields ==
        std::vector<std::string>{"spec.http[0].route[0].weight", "spec.http[0].route[1].weight"});
  CHECK(drift_message(*drift) ==
        "VirtualService podinfo.test was changed outside veer (spec.http[0].route[0].weight, "
        "spec.http[0].route[1].weight); veer wrote its routing back");
  CHECK(back.object["spec"]["http"][0]["route"][1]["weight"] == 10);

  // An object veer wrote before the stamp existed: no drift is claimed.
  json unstamped = edited;
  unstamped["metadata"]["annotations"].erase("veer.dev/applied-hash");
  CHECK_FALSE(drift_of(back, unstamped).has_value());
}

TEST_CASE("the same data owned through another field, or left as veer wants it, is not drift") {
  // traefik owns /spec/weighted while mirroring and /spec/weighted/services after: the stamp
  // of the mirroring write still matches the untouched object when the weights come back.
  auto traefik = make_router("traefik").value();
  const auto canary = testing::podinfo_canary();
  Routes mirroring = testing::weights(0);
  mirroring.mirror = true;
  auto mirrored = traefik->apply(canary, mirroring, {});
  REQUIRE_MESSAGE(mirrored.ok(), testing::why(mirrored));
  stamp_applied(mirrored.value());
  const auto stored = testing::after({}, mirrored.value());
  auto weighted = traefik->apply(canary, testing::weights(10), stored);
  REQUIRE_MESSAGE(weighted.ok(), testing::why(weighted));
  REQUIRE(weighted->size() == 1);
  const auto& update = weighted->front();
  REQUIRE(update.action == Write::Action::update);
  CHECK_FALSE(drift_of(update, stored.objects.front()).has_value());

  // Someone set the weights veer is about to write anyway: nothing to restore, nothing to say.
  auto istio_stored = testing::after({}, render_istio(testing::weights(10), {}));
  const json* live =
      istio_stored.find({"networking.istio.io/v1beta1", "VirtualService", "podinfo"});
  REQUIRE(live != nullptr);
  json edited = *live;
  edited["spec"]["http"][0]["route"][0]["weight"] = 80;
  edited["spec"]["http"][0]["route"][1]["weight"] = 20;
  const auto step = render_istio(testing::weights(20), istio_stored);
  REQUIRE(virtual_service(step).action == Write::Action::update);
  CHECK_FALSE(drift_of(virtual_service(step), edited).has_value());
}

TEST_CASE("a drift message names at most four fields") {
  Drift drift{"HTTPRoute podinfo.test", {"a", "b", "c", "d", "e", "f"}};
  CHECK(drift_message(drift) ==
        "HTTPRoute podinfo.test was changed outside veer (a, b, c, d and 2 more); veer wrote its "
        "routing back");
}

}  // namespace veer::meshes
