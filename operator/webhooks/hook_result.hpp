// The result of all webhooks of one type, as the decision reads it.
#pragma once

#include <string>

namespace veer::webhooks {

// They run in order; the first failure decides.
struct HookResult {
  bool passed = true;
  std::string message;      // the failing hook's name, status and body, for events and alerts
  bool mute_alert = false;  // the failing hook asked for no alert
};

}  // namespace veer::webhooks
