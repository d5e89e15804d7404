#include "operator/cli/signals.hpp"

#include <pthread.h>

#include <ctime>

namespace veer::cli {

SignalGuard::SignalGuard() {
  sigemptyset(&set_);
  sigaddset(&set_, SIGTERM);
  sigaddset(&set_, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set_, &previous_);
}

SignalGuard::~SignalGuard() {
  pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
}

int SignalGuard::wait() const {
  int signal = 0;
  while (sigwait(&set_, &signal) != 0) {
  }
  return signal;
}

bool SignalGuard::wait_for(std::chrono::milliseconds timeout) const {
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(timeout);
  timespec wait{static_cast<time_t>(s.count()),
                static_cast<long>(std::chrono::nanoseconds(timeout - s).count())};
  return sigtimedwait(&set_, nullptr, &wait) > 0;
}

}  // namespace veer::cli
