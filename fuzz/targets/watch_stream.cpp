// A watch response body as it arrives from the API server: cut into reads at points chosen by
// the input, framed into lines, decoded into events; each event's object goes through the
// object helpers the informers use and, for veer's kinds, the typed parsers the operator runs.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "model/alert_provider.hpp"
#include "model/canary.hpp"
#include "model/experiment.hpp"
#include "model/metric_template.hpp"
#include "operator/kube/cluster.hpp"
#include "operator/kube/watch_frames.hpp"

namespace {

using veer::kube::Json;
using veer::kube::WatchEvent;

void use(const WatchEvent& event) {
  const Json& object = event.object;
  (void)veer::kube::key_of(object);
  (void)veer::kube::uid_of(object);
  (void)veer::kube::compare_resource_versions(veer::kube::resource_version_of(object), "1000");
  if (event.type == WatchEvent::Type::Error) {
    (void)veer::kube::error_from_status(410, object, "watch");
    return;
  }
  (void)veer::kube::type_of(object);
  if (!object.is_object()) return;
  const std::string kind =
      object.value("kind", Json()).is_string() ? object["kind"].get<std::string>() : "";
  if (kind == "Canary") {
    auto canary = veer::model::parse_canary(object);
    (void)veer::model::validate_canary(canary.value);
    if (object.contains("status")) (void)veer::model::parse_canary_status(object["status"]);
  } else if (kind == "MetricTemplate") {
    (void)veer::model::parse_metric_template(object);
  } else if (kind == "AlertProvider") {
    (void)veer::model::parse_alert_provider(object);
  } else if (kind == "Experiment") {
    (void)veer::model::parse_experiment(object);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte sets the size of each read (1..256 bytes), as the network would cut it; a
  // small line limit lets the fuzzer reach the "line too long" path.
  const std::size_t chunk = std::size_t{data[0]} + 1;
  const std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string buffer;
  std::vector<std::string> lines;
  for (std::size_t at = 0; at < body.size(); at += chunk) {
    buffer.append(body, at, chunk);
    if (!veer::kube::take_lines(buffer, lines, 4096)) break;
  }
  for (const auto& line : lines)
    if (auto event = veer::kube::decode_watch_frame(line)) use(*event);
  return 0;
}
