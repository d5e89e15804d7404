// Exponential backoff, the one way veer spaces its retries (the work queue's failed reconciles,
// an informer's failed list or watch, a notification's delivery).
#pragma once

#include <algorithm>

namespace veer::base {

// `first` doubled `doublings` times, never more than `cap` (and never overflowing on the way).
template <class Duration>
Duration backoff(Duration first, Duration cap, int doublings) {
  Duration delay = first;
  for (int i = 0; i < doublings && delay < cap; ++i) delay *= 2;
  return std::min(delay, cap);
}

}  // namespace veer::base
