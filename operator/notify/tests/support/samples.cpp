#include "operator/notify/tests/support/samples.hpp"

namespace veer::notify::testing {

Notification rollback_sample() {
  Notification n;
  n.name = "podinfo";
  n.namespace_ = "test";
  n.cluster = "prod-eu-1";
  n.phase = "Failed";
  n.weight = 0;
  n.revision = "ghcr.io/stefanprodan/podinfo:6.0.1";
  n.severity = Severity::error;
  n.message = "Rolled back: failed checks threshold reached 2";
  n.reason = "request-success-rate of the canary is lower than the primary's (p < 0.001)";
  n.evidence = {
      {"request-success-rate", "91.20%", "99.80%", "fail", "-8.6 pp [-9.4, -7.8]"},
      {"request-duration p99", "212 ms", "180 ms", "pass", "+32 ms < 500 ms"},
  };
  n.time = std::chrono::system_clock::from_time_t(1795300000);
  return n;
}

Notification waiting_promotion_sample() {
  Notification n;
  n.name = "podinfo";
  n.namespace_ = "test";
  n.cluster = "prod-eu-1";
  n.phase = "WaitingPromotion";
  n.weight = 50;
  n.revision = "ghcr.io/stefanprodan/podinfo:6.0.1";
  n.severity = Severity::warn;
  n.message = "Waiting for approval to promote";
  n.reason = "confirm-promotion gate <approval> is closed & no one opened it";
  n.evidence = {{"request-success-rate", "99.90%", "99.80%", "pass", "+0.1 pp [-0.2, 0.4]"}};
  return n;
}

Notification succeeded_sample() {
  Notification n;
  n.name = "podinfo";
  n.namespace_ = "test";
  n.phase = "Succeeded";
  n.weight = 0;
  n.revision = "ghcr.io/stefanprodan/podinfo:6.0.1";
  n.severity = Severity::info;
  n.message = "Promotion completed";
  return n;
}

}  // namespace veer::notify::testing
