// Feeds the dashboard's History: lists and watches Canaries (or Experiments) on its own thread and
// records every status it sees, relisting after a watch ends or fails.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "operator/dashboard/history.hpp"
#include "operator/kube/cluster.hpp"

namespace veer::dashboard {

enum class Recorded { Canaries, Experiments };

class Recorder {
 public:
  // `ns` "" = every namespace.
  Recorder(kube::Cluster& cluster, base::Clock& clock, History& history, std::string ns,
           Recorded kind = Recorded::Canaries);
  ~Recorder();
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  void stop();
  // Statuses recorded so far (for tests to wait on a condition, not a sleep).
  std::size_t observed() const { return observed_; }

 private:
  enum class Outcome { Ended, Failed, Stopping };
  void run();
  // One list-then-watch until the stream ends.
  Outcome list_and_watch();
  void observe(const nlohmann::json& object);

  kube::Cluster& cluster_;
  base::Clock& clock_;
  History& history_;
  std::string ns_;
  Recorded kind_;
  std::atomic<std::size_t> observed_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  kube::WatchStream* stream_ = nullptr;  // the open watch, to end it on stop()
  std::thread thread_;
};

}  // namespace veer::dashboard
