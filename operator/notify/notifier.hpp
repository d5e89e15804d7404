// What the controllers call to tell people about a rollout. Implementations never block on the
// network and never fail the caller: delivery happens elsewhere and its failures are counted.
#pragma once

#include "operator/notify/destination.hpp"
#include "operator/notify/notification.hpp"

namespace veer::notify {

enum class EnqueueResult {
  queued,
  queued_dropping_oldest,  // the queue was full: the oldest pending message was dropped
  duplicate,               // an identical message went to this destination within the window
  stopped,                 // the notifier is shutting down
};

class Notifier {
 public:
  virtual ~Notifier() = default;
  // Hands `n` over for delivery to `to`. Returns at once.
  virtual EnqueueResult send(const Notification& n, const Destination& to) = 0;
};

}  // namespace veer::notify
