// SIGTERM and SIGINT for long-running subcommands (`veer operator`, `veer demo --dashboard`):
// blocked in every thread, taken by one waiting thread.
#pragma once

#include <chrono>
#include <csignal>

namespace veer::cli {

// Blocks SIGTERM and SIGINT in this thread (and the threads it starts), to be taken by wait;
// restores the previous mask when it goes out of scope. Create it before starting any thread.
class SignalGuard {
 public:
  SignalGuard();
  ~SignalGuard();
  SignalGuard(const SignalGuard&) = delete;
  SignalGuard& operator=(const SignalGuard&) = delete;

  // Waits for SIGTERM or SIGINT and returns it.
  int wait() const;
  // Waits at most `timeout`; true when a signal came.
  bool wait_for(std::chrono::milliseconds timeout) const;

 private:
  sigset_t set_{};
  sigset_t previous_{};
};

}  // namespace veer::cli
