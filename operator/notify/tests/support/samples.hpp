// Notifications used across the notify tests: what a rollout really sends.
#pragma once

#include "operator/notify/notification.hpp"

namespace veer::notify::testing {

// A canary rolled back by the analysis, with evidence and a reason.
Notification rollback_sample();
// A canary waiting for someone to approve its promotion.
Notification waiting_promotion_sample();
// A finished promotion.
Notification succeeded_sample();

}  // namespace veer::notify::testing
